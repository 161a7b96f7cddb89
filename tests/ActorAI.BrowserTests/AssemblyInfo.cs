// Each collection starts a silo that trains and serves; on a small CI machine two at once would starve each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
