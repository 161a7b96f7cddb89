using System.Security.Cryptography;
using System.Text.Json;
using ActorAI.Abstractions.Serving;
using ActorAI.Client;

namespace ActorAI.Silo.Http.OpenAI;

/// <summary>
/// Runs one generation and answers with it: a JSON object, or server-sent events ending with <c>data: [DONE]</c>.
/// The first chunk is awaited before anything is written, so a refusal (unknown model, prompt too long, overload) is an
/// ordinary JSON error with its status; a failure after that ends the stream with an error event. Cancelling the
/// request (the client went away) cancels the generation.
/// </summary>
internal sealed class CompletionResponder(ActorAIClient client, ILogger logger)
{
    private const string Done = "[DONE]";

    public async Task<IResult> RespondAsync(
        HttpContext context, string model, GenerationRequest request, bool stream, bool includeUsage, ICompletionFormat format)
    {
        CancellationToken aborted = context.RequestAborted;
        IAsyncEnumerator<GenerationChunk> chunks;
        try
        {
            chunks = client.GenerateStreamingAsync(model, request, aborted).GetAsyncEnumerator(aborted);
        }
        catch (Exception e) when (OpenAIFailure.IsExpected(e))
        {
            return OpenAIFailure.FromException(e, model).ToResult(context);
        }
        await using (chunks)
        {
            try
            {
                if (!await chunks.MoveNextAsync())
                {
                    throw new InvalidOperationException($"deployment '{model}' ended the stream without output");
                }
            }
            catch (Exception e) when (!aborted.IsCancellationRequested)
            {
                return Failure(context, e, model, format);
            }
            var header = new CompletionHeader(
                format.IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, $"actorai-v{chunks.Current.Version}");
            return stream
                ? await StreamAsync(context, chunks, header, includeUsage, format)
                : await CollectAsync(context, chunks, header, format);
        }
    }

    private async Task<IResult> CollectAsync(HttpContext context, IAsyncEnumerator<GenerationChunk> chunks, CompletionHeader header, ICompletionFormat format)
    {
        var text = new System.Text.StringBuilder();
        GenerationChunk last;
        try
        {
            do
            {
                last = chunks.Current;
                text.Append(last.Text);
            }
            while (await chunks.MoveNextAsync());
            if (last.FinishReason is null)
            {
                throw new InvalidOperationException($"deployment '{header.Model}' ended the stream without a finish reason");
            }
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Failure(context, e, header.Model, format);
        }
        var result = new GenerationResult(text.ToString(), last.FinishReason, last.PromptTokens, last.CompletionTokens, last.Model, last.Version);
        return Results.Json(format.Whole(header, result), OpenAIJson.Options);
    }

    private async Task<IResult> StreamAsync(
        HttpContext context, IAsyncEnumerator<GenerationChunk> chunks, CompletionHeader header, bool includeUsage, ICompletionFormat format)
    {
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        CancellationToken aborted = context.RequestAborted;
        if (format.Start(header) is { } start)
        {
            await WriteEventAsync(response, start, aborted);
        }
        GenerationChunk last;
        try
        {
            do
            {
                last = chunks.Current;
                if (last.Text.Length > 0)
                {
                    await WriteEventAsync(response, format.Text(header, last.Text), aborted);
                }
                if (last.FinishReason is { } finish)
                {
                    await WriteEventAsync(response, format.Finish(header, finish), aborted);
                }
            }
            while (await chunks.MoveNextAsync());
            if (last.FinishReason is null)
            {
                throw new InvalidOperationException($"deployment '{header.Model}' ended the stream without a finish reason");
            }
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            OpenAIFailure failure = Describe(e, header.Model, format);
            await WriteEventAsync(response, new OpenAIErrorBody(failure.Error), aborted);
            return Results.Empty;
        }
        if (includeUsage)
        {
            await WriteEventAsync(response, format.UsageOnly(header, Usage.Of(last.PromptTokens, last.CompletionTokens)), aborted);
        }
        await WriteDataAsync(response, Done, aborted);
        return Results.Empty;
    }

    private static Task WriteEventAsync(HttpResponse response, object value, CancellationToken cancellationToken) =>
        WriteDataAsync(response, JsonSerializer.Serialize(value, value.GetType(), OpenAIJson.Options), cancellationToken);

    // One server-sent event per line of data; the JSON written here never contains a newline.
    private static async Task WriteDataAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {data}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private IResult Failure(HttpContext context, Exception exception, string model, ICompletionFormat format) =>
        Describe(exception, model, format).ToResult(context);

    private OpenAIFailure Describe(Exception exception, string model, ICompletionFormat format)
    {
        // Replicas name the prompt "messages"; a legacy completion's prompt is "prompt".
        if (exception is GenerationRequestException { Param: "messages" } e && format.PromptParam != "messages")
        {
            exception = new GenerationRequestException(e.Message, format.PromptParam, e.Code);
        }
        if (!OpenAIFailure.IsExpected(exception))
        {
            logger.LogError(exception, "Generation from deployment {Deployment} failed", model);
        }
        return OpenAIFailure.FromException(exception, model);
    }
}
