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
/// Tokens Start..Start+Count-1 of a step attend together over <see cref="Keys"/> cached positions per sequence.
/// Where those positions come from: <see cref="Blocks"/> (rows × blocks) block ids gathered from the pool (padded
/// with any valid block, masked out), or, when <see cref="Blocks"/> is null, the pool rows from <see cref="FirstRow"/>
/// on (a sequence whose blocks are consecutive: read in place, no copy).
/// Decode group: one token per sequence (Count sequences). Prefill chunk (<see cref="Prefill"/>): one sequence's
/// <c>Count</c> new positions after <see cref="Past"/> cached ones; when Past is 0 the chunk attends over its own keys
/// with a plain causal mask and neither Blocks nor the pool is read.
/// <see cref="Mask"/>: decode (Count, 1, 1, Keys) valid positions; prefill (Count, Keys) causal; null when all are valid.
/// </summary>
internal sealed record AttentionGroup(int Start, int Count, bool Prefill, int Past, int Keys, Tensor? Blocks, long FirstRow, Tensor? Mask);
