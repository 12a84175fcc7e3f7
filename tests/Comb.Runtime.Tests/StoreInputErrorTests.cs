using Comb.Contracts;
using Comb.Image.Stores;

namespace Comb.Runtime.Tests;

/// <summary>Damaged or foreign store metadata is a clear input error, never a crash.</summary>
public sealed class StoreInputErrorTests
{
    [Fact]
    public void A_file_that_is_not_a_bolt_database_is_refused()
    {
        var error = Assert.Throws<CombInputException>(() => BoltReader.Parse(new byte[8192], "meta.db"));
        Assert.Contains("not a bolt database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_containerd_root_whose_metadata_is_garbage_is_an_input_error()
    {
        var root = Directory.CreateTempSubdirectory("comb-ctd-bad-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "io.containerd.metadata.v1.bolt"));
            await File.WriteAllBytesAsync(Path.Combine(root, "io.containerd.metadata.v1.bolt", "meta.db"), [.. Enumerable.Range(0, 16384).Select(i => (byte)(i * 7))], TestContext.Current.CancellationToken);
            var source = new ContainerdSource();
            var error = await Assert.ThrowsAsync<CombInputException>(() => source.OpenAsync("containerd:app:v1", new ImageOpenOptions { ContainerdRoot = root }, TestContext.Current.CancellationToken));
            Assert.Contains("meta.db", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Corrupt_bolt_pages_from_a_real_containerd_are_refused_not_followed()
    {
        ContainerTools.Require("containerd", "ctr");
        using var containerd = new ContainerdDaemon();
        containerd.Ctr("namespaces", "create", "comb");
        var db = Path.Combine(containerd.Root, "io.containerd.metadata.v1.bolt", "meta.db");
        var good = await BoltReader.OpenAsync(db, TestContext.Current.CancellationToken);

        // A copy to damage (the daemon holds the original locked, which cp, unlike .NET's FileStream, ignores).
        var copy = Path.Combine(containerd.Dir, "copy.db");
        ContainerTools.Run("cp", db, copy);
        var bytes = await File.ReadAllBytesAsync(copy, TestContext.Current.CancellationToken);
        Assert.NotNull(good.Root.Bucket("v1")?.Bucket("comb"));

        // Point every tree page's element table past the file: each walk must stop with an input error.
        var pageSize = BitConverter.ToInt32(bytes, 24);
        for (var offset = 2 * pageSize; offset < bytes.Length; offset += pageSize)
        {
            if (BitConverter.ToUInt16(bytes, offset + 8) is 0x01 or 0x02)
            {
                BitConverter.GetBytes((ushort)0xFFFF).CopyTo(bytes, offset + 10);
            }
        }

        var corrupt = BoltReader.Parse(bytes, db);
        Assert.Throws<CombInputException>(() => corrupt.Root.Bucket("v1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("app@sha256:zz")]
    public void Malformed_store_references_are_refused(string text) =>
        Assert.Equal(CombErrorKind.BadReference, Assert.Throws<CombInputException>(() => StoreReference.Parse(text, "containerd:")).Kind);

    [Fact]
    public void Short_names_match_the_qualified_names_stores_keep()
    {
        var reference = StoreReference.Parse("alpine", "containers-storage:");
        Assert.True(reference.MatchesName("docker.io/library/alpine:latest"));
        Assert.True(reference.MatchesName("localhost/alpine:latest"));
        Assert.False(reference.MatchesName("docker.io/library/alpine:3.19"));
        Assert.True(StoreReference.Parse("example.test/app:v1", "containerd:").MatchesName("example.test/app:v1"));
    }
}
