// LibTorch's random generator and thread count are process-wide, and the test silos run in this process: test
// collections (the shared cluster, the long-step cluster) must not compute at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
