namespace ActorAI.Compute.Generation;

/// <summary>One step's output for one sequence.</summary>
/// <param name="SequenceId">The id <see cref="BatchedGenerator.Submit"/> returned.</param>
/// <param name="Token">The token produced, or -1 when the event only reports the end.</param>
/// <param name="Text">Text released by this step (may be empty while a possible stop sequence is held back).</param>
/// <param name="Finish">Set when the sequence ended with this event.</param>
/// <param name="Logprobs">The token's log-probabilities when <see cref="SamplingOptions.Logprobs"/> asked for them.</param>
public sealed record GenerationEvent(long SequenceId, int Token, string Text, FinishReason? Finish, TokenLogprobs? Logprobs = null);

/// <summary>Log-probabilities of a produced token under the model's raw distribution (a log-softmax of its logits).</summary>
/// <param name="Logprob">The chosen token's.</param>
/// <param name="TopTokens">The most likely tokens, most likely first (as many as asked).</param>
/// <param name="TopLogprobs">Their log-probabilities, in the same order.</param>
public sealed record TokenLogprobs(float Logprob, int[] TopTokens, float[] TopLogprobs);
