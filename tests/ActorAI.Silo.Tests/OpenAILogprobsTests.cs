using System.Net;
using System.Text.Json;

namespace ActorAI.Silo.Tests;

/// <summary>
/// OpenAI's <c>logprobs</c> / <c>top_logprobs</c> and <c>n</c> against the tiny random-weight deployment: the response
/// shapes, the values' ranges and order, and reproducible seeded choices.
/// </summary>
[Collection(DevSiloCollection.Name)]
public sealed class OpenAILogprobsTests(DevSiloFixture silo)
{
    private const string Chat = "/v1/chat/completions";
    private const string Completions = "/v1/completions";

    [Fact]
    public async Task GreedyChatLogprobsHaveOpenAIsShapeAndTheChosenTokenIsTheTopOne()
    {
        string deployment = await silo.TinyDeploymentAsync();

        JsonElement body = await PostOkAsync(Chat, new
        {
            model = deployment, messages = Hello, max_tokens = 6, temperature = 0, ignore_eos = true, logprobs = true, top_logprobs = 3,
        });

        JsonElement choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        JsonElement[] content = [.. choice.GetProperty("logprobs").GetProperty("content").EnumerateArray()];
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), content.Length);
        Assert.NotEmpty(content);
        foreach (JsonElement token in content)
        {
            double logprob = AssertLogprob(token);
            JsonElement[] top = [.. token.GetProperty("top_logprobs").EnumerateArray()];
            Assert.Equal(3, top.Length);
            double[] values = [.. top.Select(AssertLogprob)];
            Assert.Equal(values.OrderByDescending(v => v), values);
            // Greedy: the chosen token is the most likely one, with the same log-probability and bytes.
            Assert.Equal(values[0], logprob, 5);
            Assert.Equal(top[0].GetProperty("bytes").GetRawText(), token.GetProperty("bytes").GetRawText());
        }
    }

    [Fact]
    public async Task ChatWithoutLogprobsAnswersNullAndLogprobsAloneGiveNoAlternatives()
    {
        string deployment = await silo.TinyDeploymentAsync();

        JsonElement plain = await PostOkAsync(Chat, new { model = deployment, messages = Hello, max_tokens = 3, seed = 1 });
        JsonElement bare = await PostOkAsync(Chat, new { model = deployment, messages = Hello, max_tokens = 3, seed = 1, ignore_eos = true, logprobs = true });

        Assert.Equal(JsonValueKind.Null, plain.GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
        JsonElement[] content = [.. bare.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray()];
        Assert.NotEmpty(content);
        Assert.All(content, t =>
        {
            AssertLogprob(t);
            Assert.Equal(0, t.GetProperty("top_logprobs").GetArrayLength());
        });
    }

    [Fact]
    public async Task StreamedChatChunksCarryTheirTokensLogprobs()
    {
        string deployment = await silo.TinyDeploymentAsync();

        JsonElement[] chunks = await PostStreamAsync(Chat, new
        {
            model = deployment, messages = Hello, max_tokens = 5, seed = 4, ignore_eos = true, logprobs = true, top_logprobs = 2,
            stream = true, stream_options = new { include_usage = true },
        });

        JsonElement[] tokens = [.. chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Where(c => c.TryGetProperty("logprobs", out JsonElement l) && l.ValueKind == JsonValueKind.Object)
            .SelectMany(c => c.GetProperty("logprobs").GetProperty("content").EnumerateArray())];
        Assert.Equal(chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Length);
        Assert.All(tokens, t => Assert.Equal(2, t.GetProperty("top_logprobs").GetArrayLength()));
    }

    [Fact]
    public async Task CompletionLogprobsHaveTheLegacyShape()
    {
        string deployment = await silo.TinyDeploymentAsync();

        JsonElement body = await PostOkAsync(Completions, new { model = deployment, prompt = "Once upon", max_tokens = 6, seed = 9, ignore_eos = true, logprobs = 2 });

        JsonElement choice = body.GetProperty("choices")[0];
        JsonElement logprobs = choice.GetProperty("logprobs");
        string[] tokens = [.. logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)];
        double[] values = [.. logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble())];
        JsonElement[] top = [.. logprobs.GetProperty("top_logprobs").EnumerateArray()];
        int[] offsets = [.. logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32())];
        Assert.Equal(6, tokens.Length);
        Assert.Equal(6, values.Length);
        Assert.Equal(6, top.Length);
        Assert.Equal(6, offsets.Length);
        Assert.All(values, v => Assert.True(double.IsFinite(v) && v <= 0, $"logprob {v}"));
        Assert.All(top, t =>
        {
            // {token: logprob}; two byte tokens may both decode to U+FFFD and then share one entry.
            JsonProperty[] alternatives = [.. t.EnumerateObject()];
            Assert.InRange(alternatives.Length, 1, 2);
            Assert.All(alternatives, a => Assert.True(a.Value.GetDouble() <= 0));
        });
        Assert.Equal(0, offsets[0]);
        for (int i = 1; i < offsets.Length; i++)
        {
            Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        }
    }

    [Fact]
    public async Task ThreeSeededChoicesAreIndexedReproducibleAndEachIsItsOwnSeed()
    {
        string deployment = await silo.TinyDeploymentAsync();
        object Request(int n, long seed) => new { model = deployment, messages = Hello, max_tokens = 8, temperature = 1, seed, ignore_eos = true, n };

        JsonElement first = await PostOkAsync(Chat, Request(3, 11));
        JsonElement again = await PostOkAsync(Chat, Request(3, 11));
        JsonElement single = await PostOkAsync(Chat, Request(1, 12));

        string[] texts = Texts(first);
        Assert.Equal([0, 1, 2], first.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(texts, Texts(again));
        // Choice i samples with seed + i: choice 1 of seed 11 is the single choice of seed 12.
        Assert.Equal(Texts(single)[0], texts[1]);
        JsonElement usage = first.GetProperty("usage");
        Assert.Equal(single.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3 * 8, usage.GetProperty("completion_tokens").GetInt32());
        Assert.All(first.GetProperty("choices").EnumerateArray(), c => Assert.Equal("length", c.GetProperty("finish_reason").GetString()));

        static string[] Texts(JsonElement body) =>
            [.. body.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()!)];
    }

    [Fact]
    public async Task StreamedChoicesAreIndexedAndTheUsageCountsThePromptOnce()
    {
        string deployment = await silo.TinyDeploymentAsync();

        JsonElement[] chunks = await PostStreamAsync(Completions, new
        {
            model = deployment, prompt = "abc", max_tokens = 5, seed = 2, ignore_eos = true, n = 2, logprobs = 1,
            stream = true, stream_options = new { include_usage = true },
        });
        JsonElement whole = await PostOkAsync(Completions, new { model = deployment, prompt = "abc", max_tokens = 5, seed = 2, ignore_eos = true, n = 2 });

        JsonElement[] choices = [.. chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())];
        for (int index = 0; index < 2; index++)
        {
            JsonElement[] mine = [.. choices.Where(c => c.GetProperty("index").GetInt32() == index)];
            Assert.Equal("length", Assert.Single(mine, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String).GetProperty("finish_reason").GetString());
            Assert.Equal(whole.GetProperty("choices")[index].GetProperty("text").GetString(), string.Concat(mine.Select(c => c.GetProperty("text").GetString())));
            int tokens = mine.Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object)
                .Sum(c => c.GetProperty("logprobs").GetProperty("tokens").GetArrayLength());
            Assert.Equal(5, tokens);
        }
        Assert.DoesNotContain(choices, c => c.GetProperty("index").GetInt32() is < 0 or > 1);
        JsonElement usage = chunks[^1].GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(10, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(13, usage.GetProperty("total_tokens").GetInt32());
    }

    private static readonly object[] Hello = [new { role = "user", content = "Hello" }];

    private static double AssertLogprob(JsonElement token)
    {
        Assert.Equal(JsonValueKind.String, token.GetProperty("token").ValueKind);
        double logprob = token.GetProperty("logprob").GetDouble();
        Assert.True(double.IsFinite(logprob) && logprob <= 0, $"logprob {logprob}");
        JsonElement bytes = token.GetProperty("bytes");
        Assert.Equal(JsonValueKind.Array, bytes.ValueKind);
        Assert.All(bytes.EnumerateArray(), b => Assert.InRange(b.GetInt32(), 0, 255));
        // Only a chat role token (which no text encodes to) has no bytes, and then no text.
        if (bytes.GetArrayLength() == 0)
        {
            Assert.Equal("", token.GetProperty("token").GetString());
        }
        return logprob;
    }

    private async Task<JsonElement> PostOkAsync(string path, object request)
    {
        using HttpClient http = silo.KeyedClient();
        using HttpResponseMessage response = await OpenAIErrorTests.PostAsync(http, path, JsonSerializer.Serialize(request));
        return await AdminApiTests.JsonAsync(response, HttpStatusCode.OK);
    }

    private async Task<JsonElement[]> PostStreamAsync(string path, object request)
    {
        using HttpClient http = silo.KeyedClient();
        using HttpResponseMessage response = await OpenAIErrorTests.PostAsync(http, path, JsonSerializer.Serialize(request));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        string[] events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        JsonElement[] chunks = [.. events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)];
        Assert.DoesNotContain(chunks, c => c.TryGetProperty("error", out _));
        return chunks;
    }
}
