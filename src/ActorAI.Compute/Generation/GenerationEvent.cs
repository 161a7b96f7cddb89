namespace ActorAI.Compute.Generation;

/// <summary>One step's output for one sequence.</summary>
/// <param name="SequenceId">The id <see cref="BatchedGenerator.Submit"/> returned.</param>
/// <param name="Token">The token produced, or -1 when the event only reports the end.</param>
/// <param name="Text">Text released by this step (may be empty while a possible stop sequence is held back).</param>
/// <param name="Finish">Set when the sequence ended with this event.</param>
public sealed record GenerationEvent(long SequenceId, int Token, string Text, FinishReason? Finish);
