"""bcemb for the teams that consume embeddings.

Open a registry and read any version's embeddings from the latest table
(``Registry.embeddings``), map your own vectors between versions
(``Registry.transform``), publish an external model's embeddings aligned to
the latest version (``Registry.publish_external``), check every file
(``Registry.verify``); read a training run directory (``Run``); or fetch
embeddings from a ``bcemb serve`` over HTTP (``Client``).

Arrays are numpy float32, C order, one row per id. Errors raise
``bcemb.Error`` with the same messages as the ``bcemb`` command.
The module is the torch-free part of bcemb: importing it does not load
libtorch.
"""

from ._bcemb import Client, Error, Registry, Run

__all__ = ["Client", "Error", "Registry", "Run"]
