using ActorAI.Data.Preparation;

namespace ActorAI.Data.Tests.Preparation;

public sealed class DataPreparationOptionsValidatorTests
{
    private static DataPreparationOptions Valid() => new() { InputPaths = ["corpus"], OutputDirectory = "out" };

    [Fact]
    public void Defaults_with_inputs_and_output_are_valid() => Assert.Empty(new DataPreparationOptionsValidator().Validate(Valid()));

    public static TheoryData<Action<DataPreparationOptions>, string> Cases => new()
    {
        { o => o.InputPaths = [], "InputPaths" },
        { o => o.InputPaths = ["a", " "], "InputPaths" },
        { o => o.OutputDirectory = "", "OutputDirectory" },
        { o => o.TextField = "", "TextField" },
        { o => o.DocumentMode = (TextDocumentMode)42, "DocumentMode" },
        { o => { o.DocumentMode = TextDocumentMode.Separator; o.DocumentSeparator = ""; }, "DocumentSeparator" },
        { o => { o.DocumentMode = TextDocumentMode.Separator; o.DocumentSeparator = "%\n"; }, "DocumentSeparator" },
        { o => o.MinDocumentChars = 0, "MinDocumentChars must be at least 1 (was 0)" },
        { o => { o.MinDocumentChars = 50; o.MaxDocumentChars = 10; }, "MaxDocumentChars must be at least MinDocumentChars (50) (was 10)" },
        { o => o.MaxRecordBytes = 0, "MaxRecordBytes must be between" },
        { o => o.BlockSize = 0, $"BlockSize must be between 1 and {DataPreparationOptionsValidator.MaxBlockSize} tokens (was 0)" },
        { o => o.ValidationFraction = 0.75, "ValidationFraction must be between 0 and 0.5 (was 0.75)" },
        { o => o.ValidationFraction = double.NaN, "ValidationFraction" },
        { o => o.Tokenizer = " ", "Tokenizer is required" },
        { o => { o.BlockSize = 256; o.TokensPerShard = 100; }, "TokensPerShard must be at least BlockSize + 1 (257) (was 100)" },
        { o => o.DegreeOfParallelism = 0, "DegreeOfParallelism must be between 1 and 512 (was 0)" },
        { o => o.MaxDropExamples = -1, "MaxDropExamples must be at least 0 (was -1)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_failure_names_the_option_and_its_limit(Action<DataPreparationOptions> breakIt, string expected)
    {
        DataPreparationOptions options = Valid();
        breakIt(options);
        IReadOnlyList<string> failures = new DataPreparationOptionsValidator().Validate(options);
        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
        var thrown = Assert.Throws<ArgumentException>(() => new DataPreparationOptionsValidator().ThrowIfInvalid(options));
        Assert.Contains(expected, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_preparer_rejects_invalid_options_before_touching_files()
    {
        var options = new DataPreparationOptions { InputPaths = ["does-not-matter"], OutputDirectory = "", BlockSize = -1 };
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => new DataPreparer().RunAsync(options));
        Assert.Contains("OutputDirectory", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("BlockSize", thrown.Message, StringComparison.Ordinal);
    }
}
