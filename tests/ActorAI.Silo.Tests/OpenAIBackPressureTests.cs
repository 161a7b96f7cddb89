using System.Net;
using System.Text.Json;
using ActorAI.Abstractions.Serving;
using ActorAI.Grains.Tests.Serving;

namespace ActorAI.Silo.Tests;

[Collection(DevSiloCollection.Name)]
public sealed class OpenAIBackPressureTests(DevSiloFixture silo)
{
    [Fact]
    public async Task AFullDeploymentAnswers429WithRetryAfterAndServesAgainOnceFree()
    {
        string name = $"full-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(silo.Actor, name, 41);
        await ServingModels.DeployAsync(silo.Actor, name, new DeploymentSpec { Model = name, MaxBatch = 1, MaxQueue = 0 });
        using HttpClient http = silo.KeyedClient();
        string body = JsonSerializer.Serialize(new { model = name, prompt = "one more", max_tokens = 2 });

        HttpResponseMessage refused;
        await using (IAsyncEnumerator<GenerationChunk> busy = silo.Actor.GenerateStreamingAsync(name, ServingModels.Request("busy", 500)).GetAsyncEnumerator())
        {
            Assert.True(await busy.MoveNextAsync()); // the only slot is taken
            refused = await OpenAIErrorTests.PostAsync(http, "/v1/completions", body);
        }
        // The cancelled request leaves at the replica's next decode step; a client honouring Retry-After then gets in.
        HttpStatusCode served = HttpStatusCode.TooManyRequests;
        await ServingModels.WaitUntilAsync(async () =>
        {
            using HttpResponseMessage retry = await OpenAIErrorTests.PostAsync(http, "/v1/completions", body);
            served = retry.StatusCode;
            return served != HttpStatusCode.TooManyRequests;
        }, seconds: 30);

        JsonElement error = await OpenAIErrorTests.AssertOpenAIErrorAsync(refused, HttpStatusCode.TooManyRequests, type: "requests"); // OpenAI's type for rate limits
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(HttpStatusCode.OK, served);
        refused.Dispose();
    }
}
