using ActorAI.Abstractions.Serving;
using ActorAI.Data.Tokenizers;

namespace ActorAI.Grains.Serving;

/// <summary>Turns a request into the token ids a replica generates from.</summary>
internal static class PromptEncoder
{
    public static int[] Encode(ITextTokenizer tokenizer, GenerationRequest request)
    {
        int[] prompt = tokenizer.Encode(request.Prompt);
        return prompt.Length == 0
            ? [tokenizer.EndOfTextId] // an empty prompt starts a document, as GPT-2 does
            : prompt;
    }
}
