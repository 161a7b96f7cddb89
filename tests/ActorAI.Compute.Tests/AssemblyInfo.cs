// LibTorch's random generator and thread count are process-wide; tests that seed or time them must not interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
