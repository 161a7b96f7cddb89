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
                ? await StreamAsync(context, chunks, header, request.Parameters.N, includeUsage, format)
                : await CollectAsync(context, chunks, header, request.Parameters, format);
        }
    }

    private async Task<IResult> CollectAsync(
        HttpContext context, IAsyncEnumerator<GenerationChunk> chunks, CompletionHeader header, GenerationParameters parameters, ICompletionFormat format)
    {
        var collector = new GenerationCollector(parameters);
        IReadOnlyList<GenerationResult> choices;
        try
        {
            do
            {
                collector.Add(chunks.Current);
            }
            while (await chunks.MoveNextAsync());
            choices = collector.Results(header.Model);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Failure(context, e, header.Model, format);
        }
        return Results.Json(format.Whole(header, choices, Usage.Of(choices[0].PromptTokens, choices.Sum(c => c.CompletionTokens))), OpenAIJson.Options);
    }

    private async Task<IResult> StreamAsync(
        HttpContext context, IAsyncEnumerator<GenerationChunk> chunks, CompletionHeader header, int n, bool includeUsage, ICompletionFormat format)
    {
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        CancellationToken aborted = context.RequestAborted;
        for (int index = 0; index < n; index++)
        {
            if (format.Start(header, index) is { } start)
            {
                await WriteEventAsync(response, start, aborted);
            }
        }
        // Per choice: the last chunk (its counts and finish) and the length of its logprob tokens so far (text_offset).
        var last = new GenerationChunk?[n];
        var offsets = new int[n];
        try
        {
            do
            {
                GenerationChunk chunk = chunks.Current;
                if (chunk.Index < 0 || chunk.Index >= n)
                {
                    throw new InvalidOperationException($"deployment '{header.Model}' sent choice {chunk.Index} of a request for {n}");
                }
                last[chunk.Index] = chunk;
                if (chunk.Text.Length > 0 || chunk.Logprobs is { Count: > 0 })
                {
                    await WriteEventAsync(response, format.Text(header, chunk.Index, chunk.Text, chunk.Logprobs, offsets[chunk.Index]), aborted);
                    offsets[chunk.Index] += TextLogprobs.Length(chunk.Logprobs);
                }
                if (chunk.FinishReason is { } finish)
                {
                    await WriteEventAsync(response, format.Finish(header, chunk.Index, finish), aborted);
                }
            }
            while (await chunks.MoveNextAsync());
            if (last.Any(c => c?.FinishReason is null))
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
            await WriteEventAsync(response, format.UsageOnly(header, Usage.Of(last[0]!.PromptTokens, last.Sum(c => c!.CompletionTokens))), aborted);
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
