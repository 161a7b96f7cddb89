using System.CommandLine;
using System.Text;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Devices;
using ActorAI.Compute.Generation;
using ActorAI.Compute.Models;
using ActorAI.Data.SafeTensors;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Compute.Host.Commands;

/// <summary><c>actorai-compute generate</c>: continue a prompt with a checkpoint, streaming the text.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model checkpoint (safetensors).", Required = true };
        var prompt = new Argument<string>("prompt") { Description = "Text to continue." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer spec (default: the one recorded in the checkpoint, else byte)." };
        var maxTokens = new Option<int>("--max-tokens") { DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "0 for greedy.", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => 0.95 };
        var seed = new Option<long?>("--seed");
        var stop = new Option<string[]>("--stop") { Description = "Stop sequence (repeatable, up to 4)." };
        var noCache = new Option<bool>("--no-cache") { Description = "Recompute the whole sequence each step (the baseline)." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Continue a prompt with a checkpoint, streaming the text.")
        {
            checkpoint, prompt, tokenizer, maxTokens, temperature, topK, topP, seed, stop, noCache, device, threads,
        };
        command.SetAction(parse =>
        {
            ComputeDevice.SetIntraOpThreads(parse.GetValue(threads));
            string path = parse.GetValue(checkpoint)!;
            string spec = parse.GetValue(tokenizer) ?? RecordedTokenizer(path);
            ITextTokenizer tok = TokenizerFactory.Create(spec);
            var options = new SamplingOptions(parse.GetValue(maxTokens), parse.GetValue(temperature), parse.GetValue(topK),
                parse.GetValue(topP), parse.GetValue(seed), parse.GetValue(stop) is { Length: > 0 } s ? s : null);
            options.Validate();
            using Gpt model = GptCheckpoint.Load(path, ComputeDevice.Select(parse.GetValue(device)));
            int[] promptTokens = tok.Encode(parse.GetValue(prompt) ?? "");
            if (promptTokens.Length == 0)
            {
                promptTokens = [tok.EndOfTextId];
            }
            using Stream stdout = Console.OpenStandardOutput();
            if (parse.GetValue(noCache))
            {
                long[,] tokens = NaiveGenerator.Generate(model, [[.. promptTokens.Select(t => (long)t)]], options.MaxTokens, options);
                int[] ids = [.. Enumerable.Range(0, tokens.GetLength(1)).Select(i => (int)tokens[0, i]).TakeWhile(t => t != tok.EndOfTextId)];
                stdout.Write(tok.DecodeBytes(ids));
                stdout.Write("\n"u8);
                return 0;
            }
            using var generator = new BatchedGenerator(model, tok, maxBatch: 1);
            long id = generator.Submit(promptTokens, options);
            FinishReason? finish = null;
            while (finish is null)
            {
                foreach (GenerationEvent e in generator.Step())
                {
                    stdout.Write(Encoding.UTF8.GetBytes(e.Text));
                    stdout.Flush();
                    finish = e.Finish;
                }
            }
            stdout.Write("\n"u8);
            Console.Error.WriteLine($"[finish: {finish.ToString()!.ToLowerInvariant()}]");
            return 0;
        });
        return command;
    }

    private static string RecordedTokenizer(string checkpoint)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(checkpoint);
        return reader.Metadata.TryGetValue(TrainCommand.TokenizerKey, out string? spec) ? spec : ByteTokenizer.SpecName;
    }
}
