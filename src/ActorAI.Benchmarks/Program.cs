using ActorAI.Benchmarks;

return args is ["training", ..] ? await TrainingBenchmark.RunAsync(args[1..]) : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: actorai-bench training [--data DIR] [--steps N] [--preset small] [--global-batch 16] [--threads N]");
    return 2;
}
