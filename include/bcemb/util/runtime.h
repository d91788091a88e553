#pragma once
// Process-wide settings that must be in place before heavy work starts.
namespace bcemb {

// Keeps freed heap memory for reuse instead of returning it to the OS after
// every large tensor (which turned each allocation into page faults).
void prepare_runtime();

}  // namespace bcemb
