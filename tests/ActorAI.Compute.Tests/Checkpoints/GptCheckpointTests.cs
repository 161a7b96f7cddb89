using System.Text;
using System.Text.Json;
using ActorAI.Compute.Checkpoints;
using ActorAI.Compute.Models;
using ActorAI.Compute.Tests.Models;
using ActorAI.Compute.Training;
using ActorAI.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorAI.Compute.Tests.Checkpoints;

public sealed class GptCheckpointTests : IDisposable
{
    private static readonly GptConfig Tiny = new(Layers: 2, Heads: 2, Embedding: 16, ContextLength: 8, VocabularySize: 20);
    private readonly string _dir = Directory.CreateTempSubdirectory("actorai-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SaveThenLoadIsExact()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Tiny);
        string path = Path.Combine(_dir, "model.safetensors");

        string sha = GptCheckpoint.Save(model, path);
        using Gpt loaded = GptCheckpoint.Load(path);

        Assert.Equal(Tiny, loaded.Config);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), sha);
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach ((string name, var p) in loaded.named_parameters())
        {
            Assert.True(expected[name].eq(p).all().item<bool>(), $"{name} differs after the round trip");
        }
    }

    [Fact]
    public void FilesUseGpt2NamesAndConv1DLayout()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Tiny);
        string path = Path.Combine(_dir, "model.safetensors");
        GptCheckpoint.Save(model, path);

        using SafeTensorsReader reader = SafeTensorsReader.Open(path);

        Assert.Equal(new long[] { 16, 48 }, reader["transformer.h.0.attn.c_attn.weight"].Shape); // (in, out)
        Assert.Equal(new long[] { 64, 16 }, reader["transformer.h.1.mlp.c_proj.weight"].Shape);
        Assert.Equal(new long[] { 20, 16 }, reader["transformer.wte.weight"].Shape);
        Assert.False(reader.Contains("lm_head.weight")); // tied
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void AHandcraftedHuggingFaceStyleFileLoads()
    {
        // Bare GPT2Model names (no "transformer." prefix), Conv1D weights (in, out), an attn.bias mask buffer, no config.
        var config = new GptConfig(Layers: 1, Heads: 1, Embedding: 4, ContextLength: 3, VocabularySize: 5);
        var rng = new Random(7);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5))];
        var tensors = new (string Name, long[] Shape, float[] Data)[]
        {
            ("wte.weight", [5, 4], Values(20)), ("wpe.weight", [3, 4], Values(12)),
            ("h.0.ln_1.weight", [4], Values(4)), ("h.0.ln_1.bias", [4], Values(4)),
            ("h.0.attn.bias", [1, 1, 3, 3], [1, 0, 0, 1, 1, 0, 1, 1, 1]),
            ("h.0.attn.c_attn.weight", [4, 12], Values(48)), ("h.0.attn.c_attn.bias", [12], Values(12)),
            ("h.0.attn.c_proj.weight", [4, 4], Values(16)), ("h.0.attn.c_proj.bias", [4], Values(4)),
            ("h.0.ln_2.weight", [4], Values(4)), ("h.0.ln_2.bias", [4], Values(4)),
            ("h.0.mlp.c_fc.weight", [4, 16], Values(64)), ("h.0.mlp.c_fc.bias", [16], Values(16)),
            ("h.0.mlp.c_proj.weight", [16, 4], Values(64)), ("h.0.mlp.c_proj.bias", [4], Values(4)),
            ("ln_f.weight", [4], Values(4)), ("ln_f.bias", [4], Values(4)),
        };
        string path = Path.Combine(_dir, "hf.safetensors");
        WriteByHand(path, tensors);

        using var scope = NewDisposeScope();
        using Gpt model = GptCheckpoint.Load(path, heads: 1);

        Assert.Equal(config, model.Config);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        float[] cAttn = tensors.Single(t => t.Name == "h.0.attn.c_attn.weight").Data;
        // Linear weight (out=12, in=4) is the transpose of Conv1D (in=4, out=12): W[o, i] = conv[i, o].
        Assert.Equal(cAttn[(2 * 12) + 5], p["transformer.h.0.attn.c_attn.weight"][5, 2].item<float>());
        float[] wte = tensors.Single(t => t.Name == "wte.weight").Data;
        Assert.Equal(wte[(3 * 4) + 1], p["transformer.wte.weight"][3, 1].item<float>());
    }

    [Fact]
    public void OptimizerStateRoundTrips()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Tiny);
        var parameters = model.parameters().ToList();
        using var optimizer = new AdamWOptimizer(parameters, [.. parameters.Select(p => p.dim() >= 2)], new AdamWSettings());
        model.Loss(randint(0, 20, [2, 8], dtype: ScalarType.Int64), randint(0, 20, [2, 8], dtype: ScalarType.Int64)).backward();
        optimizer.Apply([.. parameters.Select(p => p.grad)], 1e-3);
        string path = Path.Combine(_dir, "state.safetensors");
        GptCheckpoint.Save(model, path, optimizer);

        using Gpt restored = GptCheckpoint.Load(path);
        var restoredParameters = restored.parameters().ToList();
        using var restoredOptimizer = new AdamWOptimizer(restoredParameters, [.. restoredParameters.Select(p => p.dim() >= 2)], new AdamWSettings());
        using (SafeTensorsReader reader = SafeTensorsReader.Open(path))
        {
            GptCheckpoint.LoadOptimizer(restored, restoredOptimizer, reader);
        }

        Assert.Equal(1, restoredOptimizer.Step);
        for (int i = 0; i < parameters.Count; i++)
        {
            Assert.True(optimizer.ExpAvg[i].eq(restoredOptimizer.ExpAvg[i]).all().item<bool>());
            Assert.True(optimizer.ExpAvgSq[i].eq(restoredOptimizer.ExpAvgSq[i]).all().item<bool>());
        }
    }

    [Fact]
    public void TruncatedOrWrongFilesAreRejectedClearly()
    {
        using var scope = NewDisposeScope();
        using Gpt model = GptTests.NewModel(Tiny);
        string path = Path.Combine(_dir, "model.safetensors");
        GptCheckpoint.Save(model, path);
        byte[] bytes = File.ReadAllBytes(path);
        string truncated = Path.Combine(_dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..^100]);
        string other = Path.Combine(_dir, "other.safetensors");
        new SafeTensorsWriter().Add("weights", SafeTensorDType.F32, [2], new float[] { 1, 2 }).Write(other);

        var cut = Assert.Throws<SafeTensorsFormatException>(() => GptCheckpoint.Load(truncated));
        var wrong = Assert.Throws<SafeTensorsFormatException>(() => GptCheckpoint.Load(other));

        Assert.Contains("truncated", cut.Message, StringComparison.Ordinal);
        Assert.Contains("transformer.wte.weight", wrong.Message, StringComparison.Ordinal);
    }

    private static void WriteByHand(string path, (string Name, long[] Shape, float[] Data)[] tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new { dtype = "F32", shape = t.Shape, data_offsets = new[] { offset, offset + (t.Data.Length * 4) } };
            offset += t.Data.Length * 4;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        foreach (var t in tensors)
        {
            foreach (float v in t.Data)
            {
                file.Write(BitConverter.GetBytes(v));
            }
        }
    }
}
