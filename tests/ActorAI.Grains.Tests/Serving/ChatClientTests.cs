using System.Text;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;
using Microsoft.Extensions.AI;

namespace ActorAI.Grains.Tests.Serving;

[Collection(ClusterCollection.Name)]
public sealed class ChatClientTests(ClusterFixture fixture)
{
    [Fact]
    public async Task TheChatClientAnswersAndStreamsTheSameTextWithUsage()
    {
        ActorAIClient client = ActorAIClient.Create(fixture.Cluster.Client);
        string model = $"m-{Guid.NewGuid():N}", name = $"chat-{Guid.NewGuid():N}";
        await ServingModels.ImportAsync(client, model, 21);
        await ServingModels.DeployAsync(client, name, new DeploymentSpec { Model = model });
        IChatClient chat = client.AsChatClient(name);
        ChatMessage[] messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Tell me a fortune.")];
        var options = new ChatOptions
        {
            MaxOutputTokens = 200, Temperature = 0.7f, Seed = 5,
            AdditionalProperties = new() { [ActorAIChatClient.IgnoreEosProperty] = true },
        };

        ChatResponse response = await chat.GetResponseAsync(messages, options);
        var streamed = new StringBuilder();
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync(messages, options))
        {
            streamed.Append(update.Text);
            updates.Add(update);
        }

        // The byte tokenizer: a role token per message and the assistant's, and a token per byte of content.
        int promptTokens = 3 + Encoding.UTF8.GetByteCount("Be brief.") + Encoding.UTF8.GetByteCount("Tell me a fortune.");
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(response.Text, streamed.ToString());
        Assert.Equal(promptTokens, response.Usage!.InputTokenCount);
        Assert.True(response.Usage.OutputTokenCount is > 0 and <= 200);
        Assert.Equal(response.FinishReason == ChatFinishReason.Length, response.Usage.OutputTokenCount == 200);
        Assert.True(updates.Count > 1);
        Assert.NotNull(updates[^1].FinishReason);
        Assert.Equal(response.Usage.OutputTokenCount, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
        Assert.Equal(name, chat.GetService<ChatClientMetadata>()!.DefaultModelId);
        await Assert.ThrowsAsync<GenerationRequestException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.Tool, "x")], options));
        await Assert.ThrowsAsync<GenerationRequestException>(() => chat.GetResponseAsync([], options));
        ChatOptions withTools = new() { Tools = [AIFunctionFactory.Create(() => "sunny", "weather")] };
        Assert.Equal("tools", (await Assert.ThrowsAsync<GenerationRequestException>(() => chat.GetResponseAsync("hi", withTools))).Param);
        ChatOptions json = new() { ResponseFormat = ChatResponseFormat.Json };
        Assert.Equal("response_format", (await Assert.ThrowsAsync<GenerationRequestException>(() => chat.GetResponseAsync("hi", json))).Param);
    }
}
