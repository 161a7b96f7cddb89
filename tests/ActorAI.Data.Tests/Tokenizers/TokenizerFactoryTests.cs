using ActorAI.Data.Tokenizers;

namespace ActorAI.Data.Tests.Tokenizers;

public sealed class TokenizerFactoryTests
{
    [Theory]
    [InlineData("byte", typeof(ByteTokenizer))]
    [InlineData("cl100k_base", typeof(TiktokenTextTokenizer))]
    [InlineData("o200k_base", typeof(TiktokenTextTokenizer))]
    public void Known_specs_create_their_tokenizer(string spec, Type type)
    {
        ITextTokenizer tokenizer = TokenizerFactory.Create(spec);
        Assert.IsType(type, tokenizer);
        Assert.Equal(spec, tokenizer.Spec);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("CL100K_BASE")]
    [InlineData("bpe:")]
    [InlineData("bytes")]
    public void Unknown_specs_list_the_valid_forms(string spec)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => TokenizerFactory.Create(spec));
        Assert.Equal("spec", ex.ParamName);
        foreach (string form in (string[])["byte", "cl100k_base", "o200k_base", "bpe:<"])
        {
            Assert.Contains(form, ex.Message);
        }
    }

    [Fact]
    public void Blank_spec_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => TokenizerFactory.Create(" "));
        Assert.Throws<ArgumentNullException>(() => TokenizerFactory.Create(null!));
    }
}
