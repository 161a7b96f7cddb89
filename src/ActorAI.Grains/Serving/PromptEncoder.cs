using ActorAI.Abstractions.Serving;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Grains.Serving;

/// <summary>A request's prompt as token ids, and the tokens that end its generation besides end-of-text.</summary>
/// <param name="Tokens">The prompt's token ids.</param>
/// <param name="StopTokens">Token ids that end generation like end-of-text (a chat stops at the next turn's role token).</param>
internal sealed record EncodedPrompt(int[] Tokens, int[] StopTokens);

/// <summary>Turns a request into the token ids a replica generates from.</summary>
internal static class PromptEncoder
{
    public static EncodedPrompt Encode(ITextTokenizer tokenizer, GenerationRequest request)
    {
        string text = request.Messages is { } messages ? ChatTemplate.Format(messages) : request.Prompt;
        int[] prompt = tokenizer.Encode(text);
        return new EncodedPrompt(
            prompt.Length == 0 ? [tokenizer.EndOfTextId] : prompt, // an empty prompt starts a document, as GPT-2 does
            []);
    }
}
