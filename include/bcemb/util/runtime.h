#pragma once
// Process-wide settings that must be in place before heavy work starts.
namespace bcemb {

// libtorch's OpenMP threads and OpenBLAS's own threads share the cores; with
// OpenMP's default busy-waiting they steal each other's time (GEMMs ran ~2.5x
// slower here). OMP_WAIT_POLICY is read when libgomp loads, so if it is unset
// this re-executes the program once with OMP_WAIT_POLICY=PASSIVE. Also keeps
// freed heap memory for reuse instead of returning it to the OS after every
// large tensor (which turned each allocation into page faults).
void prepare_runtime(char** argv);

}  // namespace bcemb
