#pragma once
// Thread count for libtorch (intra-op) and OpenBLAS. libtorch starts with one
// thread here; bcemb uses all cores unless told otherwise.
namespace bcemb {

int default_threads();  // BCEMB_THREADS if set, else the number of cores
void set_threads(int n);
int get_threads();

}  // namespace bcemb
