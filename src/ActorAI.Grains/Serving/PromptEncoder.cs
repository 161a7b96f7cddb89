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
    /// <summary>
    /// A completion is its prompt's tokens. A chat is, per message, its role's token then its content's tokens, and
    /// then the assistant's token; the model starting any turn ends the answer (unless the request ignores end-of-text).
    /// No content encodes to a role token, so
    /// the role-token positions are exactly the messages'. A tokenizer without role tokens gets
    /// <see cref="ChatTemplate.Format"/>'s escaped text form, which stops only at end-of-text, the token limit or the
    /// caller's stop sequences (every tokenizer ActorAI ships has role tokens).
    /// </summary>
    /// <exception cref="GenerationRequestException">The messages are empty or a role is unknown.</exception>
    public static EncodedPrompt Encode(ITextTokenizer tokenizer, GenerationRequest request)
    {
        if (request.Messages is not { } messages)
        {
            return new EncodedPrompt(Prompt(tokenizer, tokenizer.Encode(request.Prompt)), []);
        }
        ChatTemplate.Validate(messages);
        if (tokenizer.RoleTokens is not { } roles)
        {
            return new EncodedPrompt(Prompt(tokenizer, tokenizer.Encode(ChatTemplate.Format(messages))), []);
        }
        var tokens = new List<int>();
        foreach (ChatTurn turn in messages)
        {
            tokens.Add(RoleToken(roles, turn.Role));
            tokens.AddRange(tokenizer.Encode(turn.Content));
        }
        tokens.Add(roles.Assistant);
        // ignore_eos promises max_tokens tokens, so it ignores the end of the turn as it ignores end-of-text (vLLM's
        // chat models end turns with their end-of-text token); a role token then decodes to no text.
        return new EncodedPrompt([.. tokens], request.Parameters.IgnoreEos ? [] : [.. roles.All]);
    }

    // An empty prompt starts a document, as GPT-2 does.
    private static int[] Prompt(ITextTokenizer tokenizer, int[] tokens) => tokens.Length == 0 ? [tokenizer.EndOfTextId] : tokens;

    // Validate has accepted the role, and ChatTemplate.Roles are the roles ChatRoleTokens knows.
    private static int RoleToken(ChatRoleTokens roles, string role) =>
        roles.IdOf(role) ?? throw new InvalidOperationException($"role '{role}' has no token although {nameof(ChatTemplate)} accepts it");
}
