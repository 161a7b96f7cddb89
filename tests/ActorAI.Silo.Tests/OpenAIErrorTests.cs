using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace ActorAI.Silo.Tests;

/// <summary>Bad requests to <c>/v1</c>: each is a 4xx with an OpenAI error body, refused before any model is touched.</summary>
[Collection(DevSiloCollection.Name)]
public sealed class OpenAIErrorTests(DevSiloFixture silo)
{
    private const string Chat = "/v1/chat/completions";
    private const string Completions = "/v1/completions";
    private const string Hello = """[{"role":"user","content":"hi"}]""";

    [Theory]
    [InlineData(Chat, """{"model":"m","messages":[]}""", "messages")]
    [InlineData(Chat, """{"model":"m"}""", "messages")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData(Chat, """{"model":"m","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [InlineData(Chat, """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content")]
    [InlineData(Chat, """{"model":"m","messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [InlineData(Chat, """{"model":"m","max_tokens":-5,"messages":HELLO}""", "max_tokens")]
    [InlineData(Chat, """{"model":"m","max_tokens":0,"messages":HELLO}""", "max_tokens")]
    [InlineData(Chat, """{"model":"m","max_tokens":99999999999999,"messages":HELLO}""", "max_tokens")]
    [InlineData(Chat, """{"model":"m","max_tokens":"many","messages":HELLO}""", "max_tokens")]
    [InlineData(Chat, """{"model":"m","max_completion_tokens":-1,"messages":HELLO}""", "max_completion_tokens")]
    [InlineData(Chat, """{"model":"m","temperature":2.5,"messages":HELLO}""", "temperature")]
    [InlineData(Chat, """{"model":"m","top_p":0,"messages":HELLO}""", "top_p")]
    [InlineData(Chat, """{"model":"m","n":17,"messages":HELLO}""", "n")]
    [InlineData(Chat, """{"model":"m","n":0,"messages":HELLO}""", "n")]
    [InlineData(Completions, """{"model":"m","prompt":"x","n":17}""", "n")]
    [InlineData(Chat, """{"model":"m","logprobs":true,"top_logprobs":21,"messages":HELLO}""", "top_logprobs")]
    [InlineData(Chat, """{"model":"m","logprobs":true,"top_logprobs":-1,"messages":HELLO}""", "top_logprobs")]
    [InlineData(Chat, """{"model":"m","top_logprobs":2,"messages":HELLO}""", "top_logprobs")]
    [InlineData(Chat, """{"model":"m","logprobs":false,"top_logprobs":2,"messages":HELLO}""", "top_logprobs")]
    [InlineData(Chat, """{"model":"m","logprobs":3,"messages":HELLO}""", "logprobs")]
    [InlineData(Completions, """{"model":"m","prompt":"x","logprobs":6}""", "logprobs")]
    [InlineData(Completions, """{"model":"m","prompt":"x","logprobs":-1}""", "logprobs")]
    [InlineData(Chat, """{"model":"m","stop":["a","b","c","d","e"],"messages":HELLO}""", "stop")]
    [InlineData(Chat, """{"model":"m","stop":7,"messages":HELLO}""", "stop")]
    [InlineData(Chat, """{"model":"m","stop":[""],"messages":HELLO}""", "stop")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"tool_choice":"auto"}""", "tool_choice")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"response_format":{"type":"json_object"}}""", "response_format")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}""", "response_format")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"functions":[{"name":"f"}]}""", "functions")]
    [InlineData(Chat, """{"model":"m","messages":HELLO,"function_call":"auto"}""", "function_call")]
    [InlineData(Completions, """{"model":"m"}""", "prompt")]
    [InlineData(Completions, """{"model":"m","prompt":""}""", "prompt")]
    [InlineData(Completions, """{"model":"m","prompt":["a","b"]}""", "prompt")]
    [InlineData(Completions, """{"model":"m","prompt":[1,2,3]}""", "prompt")]
    [InlineData(Completions, """{"model":"m","prompt":"x","max_tokens":-1}""", "max_tokens")]
    public async Task InvalidParametersAreRefusedNamingTheParameter(string path, string json, string param)
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PostAsync(http, path, json.Replace("HELLO", Hello, StringComparison.Ordinal));

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[""")]
    [InlineData("""not json at all""")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"\udc00"}]}""")]
    public async Task MalformedJsonIsABadRequest(string json)
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PostAsync(http, Chat, json);

        await AssertOpenAIErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(Chat, "text/plain")]
    [InlineData(Chat, "application/x-www-form-urlencoded")]
    [InlineData(Completions, "text/plain")]
    [InlineData(Completions, null)]
    public async Task ABodyNotSentAsJsonIsRefusedWith415(string path, string? contentType)
    {
        using HttpClient http = silo.KeyedClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"model":"m","prompt":"x","messages":{{Hello}}}"""));
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }

        using HttpResponseMessage response = await http.PostAsync(path, content);

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        Assert.Contains(contentType ?? "none", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("application/json", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJsonContentTypeWithACharsetIsAccepted()
    {
        using HttpClient http = silo.KeyedClient();
        using var content = new StringContent("""{"model":"m","prompt":""}""", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

        using HttpResponseMessage response = await http.PostAsync(Completions, content);

        // Read and checked as JSON: refused for its empty prompt, not for its media type.
        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("prompt", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task FieldsOpenAIClientsSendThatActorAIDoesNotUseAreIgnored()
    {
        using HttpClient http = silo.KeyedClient();
        string model = $"no-such-{Guid.NewGuid():N}";

        // OpenAI-compatible: unknown fields (user, logit_bias, a field from a newer API version) are not errors, nor are
        // the "feature off" forms of the fields ActorAI refuses (no tools, tool_choice none, a text response format).
        using HttpResponseMessage response = await PostAsync(http, Chat,
            $$$"""{"model":"{{{model}}}","messages":{{{Hello}}},"user":"u-1","logit_bias":{"50256":-100},"tools":[],"tool_choice":"none","response_format":{"type":"text"},"frobnicate":{"x":1}}""");

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task InvalidUtf8IsABadRequest()
    {
        using HttpClient http = silo.KeyedClient();
        byte[] prefix = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"a""");
        byte[] suffix = Encoding.UTF8.GetBytes("\"}]}");
        using var content = new ByteArrayContent([.. prefix, 0xC3, 0x28, 0xFF, .. suffix]);
        content.Headers.ContentType = new("application/json");

        using HttpResponseMessage response = await http.PostAsync(Chat, content);

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnOversizedBodyIsRefusedWith413()
    {
        using HttpClient http = silo.KeyedClient();
        string json = $$"""{"model":"m","prompt":"{{new string('a', 1024 * 1024 + 1)}}"}""";

        using HttpResponseMessage response = await PostAsync(http, Completions, json);

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnOversizedChunkedBodyIsRefusedWith413()
    {
        using HttpClient http = silo.KeyedClient();
        byte[] json = Encoding.UTF8.GetBytes($$"""{"model":"m","prompt":"{{new string('a', 2 * 1024 * 1024)}}"}""");
        // A stream of unknown length is sent chunked, without Content-Length: the limit must hold while reading.
        using var content = new StreamContent(new UnknownLengthStream(json));
        content.Headers.ContentType = new("application/json");

        using HttpResponseMessage response = await http.PostAsync(Completions, content);

        Assert.Null(content.Headers.ContentLength);
        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("bad name!")]
    [InlineData("-leading-dash")]
    public async Task AModelThatCannotBeADeploymentNameIsNotFound(string model)
    {
        using HttpClient http = silo.KeyedClient();

        using HttpResponseMessage response = await PostAsync(http, Chat, JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = "hi" } } }));

        JsonElement error = await AssertOpenAIErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    public async Task AMissingOrWrongKeyIsUnauthorized(string? key)
    {
        using HttpClient http = key is null ? silo.Client() : silo.KeyedClient(key);

        using HttpResponseMessage models = await http.GetAsync("/v1/models");
        using HttpResponseMessage chat = await PostAsync(http, Chat, $$"""{"model":"m","messages":{{Hello}}}""");

        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, chat.StatusCode);
    }

    [Fact]
    public async Task TheOpenAIClientSurfacesAWrongKeyAndABadRequestAsClientErrors()
    {
        var wrong = new ChatClient("m", new ApiKeyCredential("wrong-key-0123456789"), Options());
        var right = new ChatClient("m", new ApiKeyCredential(DevSiloFixture.AdminKey), Options());

        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() => wrong.CompleteChatAsync([new UserChatMessage("hi")]));
        var badRequest = await Assert.ThrowsAsync<ClientResultException>(() => right.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 7 }));

        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(400, badRequest.Status);
        Assert.Contains("temperature", badRequest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSiloStillServesAfterBadRequests()
    {
        using HttpClient http = silo.KeyedClient();
        using HttpResponseMessage bad = await PostAsync(http, Chat, "{{{{");
        using var content = new ByteArrayContent([0xFF, 0xFE, 0xFD]);
        content.Headers.ContentType = new("application/json");
        using HttpResponseMessage garbage = await http.PostAsync(Completions, content);

        using HttpResponseMessage health = await http.GetAsync("/health");
        using HttpResponseMessage models = await http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    internal OpenAIClientOptions Options() => new() { Endpoint = new Uri(silo.BaseAddress, "/v1") };

    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Asserts an OpenAI error body (<c>{"error":{"message","type","param","code"}}</c>) and returns its error.</summary>
    internal static async Task<JsonElement> AssertOpenAIErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type = "invalid_request_error")
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _), "the error has a param (possibly null)");
        Assert.True(error.TryGetProperty("code", out _), "the error has a code (possibly null)");
        return error.Clone();
    }

    /// <summary>A readable stream that does not report its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
