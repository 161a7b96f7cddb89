using System.Net;
using System.Text.Json;
using ActorAI.Abstractions.Serving;

namespace ActorAI.Silo.Tests;

/// <summary>A request that could never fit a replica's KV-cache budget is a 400 naming the field to lower, not a wait.</summary>
[Collection(DevSiloCollection.Name)]
public sealed class OpenAIKvBudgetTests(DevSiloFixture silo)
{
    private const string Deployment = "kv-small";

    // Two blocks of 16 positions: "abc" and 10 tokens (one block) fit twice, not three times.
    private async Task<string> SmallCacheDeploymentAsync()
    {
        await silo.TinyDeploymentAsync(); // imports tiny-gpt
        await silo.Actor.DeployAsync(Deployment, new DeploymentSpec
        {
            Model = "tiny-gpt", MinReplicas = 1, MaxReplicas = 1, MaxBatch = 2, BlockSize = 16, KvCacheTokens = 32,
        });
        await silo.Actor.WaitForDeploymentAsync(Deployment, TimeSpan.FromMinutes(2));
        return Deployment;
    }

    [Theory]
    [InlineData(40, 1, "max_tokens", "max_tokens can be at most 29")]
    [InlineData(10, 3, "n", "n can be at most 2")]
    public async Task ARequestOverTheBudgetIsRefusedNamingTheFieldAndTheLimit(int maxTokens, int n, string param, string limit)
    {
        string deployment = await SmallCacheDeploymentAsync();
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await OpenAIErrorTests.PostAsync(http, "/v1/completions",
            JsonSerializer.Serialize(new { model = deployment, prompt = "abc", max_tokens = maxTokens, n }));

        JsonElement error = await OpenAIErrorTests.AssertOpenAIErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("kv_cache_budget_exceeded", error.GetProperty("code").GetString());
        Assert.Contains(limit, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChoicesThatFitTogetherAreServed()
    {
        string deployment = await SmallCacheDeploymentAsync();
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await OpenAIErrorTests.PostAsync(http, "/v1/completions",
            JsonSerializer.Serialize(new { model = deployment, prompt = "abc", max_tokens = 10, n = 2, seed = 1, ignore_eos = true }));

        JsonElement body = await AdminApiTests.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(2, body.GetProperty("choices").GetArrayLength());
        Assert.Equal(20, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }
}
