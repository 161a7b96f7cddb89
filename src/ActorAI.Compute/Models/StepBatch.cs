using static TorchSharp.torch;

namespace ActorAI.Compute.Models;

/// <summary>
/// The tokens of one engine step, flattened: decode tokens of many sequences and prefill chunks together, each token
/// with its position and the KV-cache row it is written to. Attention runs per group (a bucket of decodes of similar
/// length, or one sequence's prefill chunk); groups cover the tokens in order. Built by the generator, read by
/// <see cref="Gpt.Step"/>; its tensors live in the step's dispose scope.
/// </summary>
/// <param name="Tokens">(N) int64 token ids.</param>
/// <param name="Positions">(N) int64 absolute positions.</param>
/// <param name="WriteRows">(N) int64 pool rows where each token's keys and values go.</param>
/// <param name="Groups">Attention groups, covering tokens 0..N-1 in order.</param>
/// <param name="SampleRows">(R) int64 indices of the tokens whose next-token logits are wanted.</param>
internal sealed record StepBatch(Tensor Tokens, Tensor Positions, Tensor WriteRows, IReadOnlyList<AttentionGroup> Groups, Tensor SampleRows);

/// <summary>
/// Tokens Start..Start+Count-1 of a step attend together.
/// Decode group: one token per sequence; <see cref="Rows"/> (Count, L) are the pool rows of each sequence's positions
/// (padded), <see cref="Mask"/> (Count, 1, 1, L) the valid ones (null when all have length L).
/// Prefill chunk (<see cref="Prefill"/>): one sequence's <c>Count</c> new positions after <see cref="Past"/> cached ones;
/// <see cref="Rows"/> (Past + Count) and the causal <see cref="Mask"/> (Count, Past + Count), both null when Past is 0
/// (then the chunk attends over its own keys with a plain causal mask).
/// </summary>
internal sealed record AttentionGroup(int Start, int Count, bool Prefill, int Past, Tensor? Rows, Tensor? Mask);
