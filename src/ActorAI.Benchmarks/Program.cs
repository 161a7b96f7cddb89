using ActorAI.Benchmarks;

return args switch
{
    ["training", ..] => await TrainingBenchmark.RunAsync(args[1..]),
    ["serving", ..] => await ServingBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: actorai-bench training [--data DIR] [--steps N] [--preset small] [--global-batch 16] [--threads N]");
    Console.Error.WriteLine("       actorai-bench serving [--preset small | --checkpoint PATH] [--tokens 128] [--concurrency 1,8,32] [--threads N]");
    return 2;
}
