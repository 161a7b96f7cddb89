using System.Text;
using ActorAI.Cli.Rendering;
using ActorAI.Data.Datasets;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Cli.Tests;

public sealed class DataPrepareCommandTests
{
    // Separator-mode documents: document k starts on line 2k + 1.
    private const int DuplicateIndex = 5;
    private const int InvalidUtf8Index = 8;

    [Fact]
    public async Task PreparesTheFilesAndSummarizesWhatWasKeptAndDropped()
    {
        using var temp = new TempDirectory();
        temp.WriteBytes("corpus/fortunes.txt", Corpus(40));
        string output = temp.Combine("prepared");

        (int code, string stdout, string stderr) = await RunAsync(
            "data", "prepare", temp.Combine("corpus"), "--output", output, "--mode", "separator", "--block-size", "16", "--parallelism", "2");

        Assert.True(code == ExitCodes.Ok, stderr);
        DatasetManifest manifest = DatasetManifest.Load(output);
        Assert.Equal(ByteTokenizer.SpecName, manifest.Tokenizer);
        Assert.Equal(1, manifest.Drops.Counts.Duplicate);
        Assert.Equal(1, manifest.Drops.Counts.InvalidUtf8);
        Assert.Equal(38, manifest.Train.Documents + manifest.Validation.Documents);
        Assert.Contains($"duplicate    │     1 │ {temp.Combine("corpus", "fortunes.txt")}:{2 * DuplicateIndex + 1}", stdout, StringComparison.Ordinal);
        Assert.Contains($"invalid_utf8 │     1 │ {temp.Combine("corpus", "fortunes.txt")}:{2 * InvalidUtf8Index + 1}", stdout, StringComparison.Ordinal);
        Assert.Contains("40 documents: 38 kept, 2 dropped", stdout, StringComparison.Ordinal);
        string trainRow = Assert.Single(stdout.Split('\n'), l => l.Contains("│ train ", StringComparison.Ordinal));
        Assert.Contains(Units.FormatCount(manifest.Train.Tokens), trainRow, StringComparison.Ordinal);
        Assert.Contains(Units.FormatCount(manifest.Train.Blocks), trainRow, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(output, DatasetManifest.FileName), stdout, StringComparison.Ordinal);
        // Progress in a log is plain lines: no cursor movement or colors.
        Assert.EndsWith("· done", stderr.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout + stderr);
    }

    [Fact]
    public async Task TrainTokenizerSavesABpeTokenizerAndPreparesWithIt()
    {
        using var temp = new TempDirectory();
        temp.WriteBytes("corpus/fortunes.txt", Corpus(60));
        string output = temp.Combine("prepared");

        (int code, string stdout, string stderr) = await RunAsync(
            "data", "prepare", temp.Combine("corpus"), "-o", output, "--mode", "separator", "--train-tokenizer", "300", "--block-size", "8", "--parallelism", "2");

        Assert.True(code == ExitCodes.Ok, stderr);
        string directory = Path.Combine(output, "tokenizer");
        var tokenizer = ByteLevelBpeTokenizer.Load(directory);
        DatasetManifest manifest = DatasetManifest.Load(output);
        Assert.Equal(ByteLevelBpeTokenizer.SpecPrefix + directory, manifest.Tokenizer);
        Assert.Equal(tokenizer.VocabularySize, manifest.VocabularySize);
        Assert.Equal(300, tokenizer.VocabularySize);
        Assert.Equal(1, manifest.Drops.Counts.Duplicate);
        // The first pass's byte-level shards are gone; only the dataset's own remain.
        Assert.Equal(
            manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File).Order(StringComparer.Ordinal),
            Directory.GetFiles(output, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("trained here with 43 merges", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--block-size", "0")]
    [InlineData("--validation", "0.9")]
    [InlineData("--mode", "chapters")]
    [InlineData("--min-chars", "0")]
    [InlineData("--parallelism", "0")]
    [InlineData("--train-tokenizer", "100")]
    [InlineData("--tokenizer", "gpt5")]
    [InlineData("--tokenizer", "bpe:/nonexistent/tokenizer")]
    public async Task AnInvalidOptionIsOneLineNamingItAndExitCode2(string option, string value)
    {
        using var temp = new TempDirectory();
        string input = temp.Write("a.txt", "text");

        (int code, string stdout, string stderr) = await RunAsync("data", "prepare", input, "--output", temp.Combine("out"), option, value);

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"actorai data prepare: {option}: ", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public async Task AValueOfTheWrongTypeIsAParseErrorWithExitCode2()
    {
        using var temp = new TempDirectory();

        (int code, _, string stderr) = await RunAsync("data", "prepare", temp.Path, "--output", temp.Combine("out"), "--block-size", "many");

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.StartsWith("actorai: Cannot parse argument 'many' for option '--block-size'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingInputIsNamedBeforeAnyWork()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no-such-corpus");

        (int code, _, string stderr) = await RunAsync("data", "prepare", missing, "--output", temp.Combine("out"));

        Assert.Equal(ExitCodes.InvalidArguments, code);
        Assert.Equal($"actorai data prepare: input '{missing}' does not exist", stderr.TrimEnd());
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public async Task AnUnreadableInputFileIsOneLineAndAFailure()
    {
        using var temp = new TempDirectory();
        temp.Write("corpus/a.txt", "readable");
        File.CreateSymbolicLink(temp.Combine("corpus", "b.txt"), temp.Combine("gone.txt"));

        (int code, string stdout, string stderr) = await RunAsync("data", "prepare", temp.Combine("corpus"), "--output", temp.Combine("out"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("actorai data prepare: ", StringComparison.Ordinal));
        Assert.Contains("b.txt", line, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("out", DatasetManifest.FileName)));
    }

    /// <summary>
    /// Documents separated by <c>%</c> lines: <paramref name="count"/> distinct short texts, except that document
    /// <see cref="DuplicateIndex"/> repeats document 1 and document <see cref="InvalidUtf8Index"/> holds invalid UTF-8.
    /// </summary>
    internal static byte[] Corpus(int count)
    {
        var bytes = new List<byte>();
        for (int k = 0; k < count; k++)
        {
            byte[] document = k switch
            {
                DuplicateIndex => Document(1),
                InvalidUtf8Index => [.. "broken "u8, 0xFF, 0xFE, .. " bytes"u8],
                _ => Document(k),
            };
            bytes.AddRange(document);
            bytes.AddRange("\n%\n"u8);
        }
        return [.. bytes];

        static byte[] Document(int k) => Encoding.UTF8.GetBytes(
            $"Fortune {k}: the quick brown fox jumps over the lazy dog {k * 7} times, and the dog does not mind.");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
