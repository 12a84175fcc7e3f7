using Comb.Contracts;
using Comb.Image.Stores;
using Comb.Runtime.Containerd.Api;

namespace Comb.Runtime.Containerd;

/// <summary>
/// Where a containerd container's files are, from the mounts its snapshotter gives for the container's snapshot:
/// overlay (overlayfs and most others) names the writable upper directory and the image's layer directories;
/// a bind mount (native) is the container's own full copy, whose image copy is its parent snapshot's directory,
/// found in the snapshotter's own bolt database beside its snapshots directory.
/// </summary>
internal sealed record SnapshotLayout(IReadOnlyList<string> Container, IReadOnlyList<string> Image, IReadOnlyList<string> Roots)
{
    public static async Task<SnapshotLayout> ResolveAsync(IReadOnlyList<Mount> mounts, string what, CancellationToken cancellationToken)
    {
        if (mounts is not [var mount])
        {
            throw new CombInputException($"{what}: {mounts.Count} rootfs mounts, expected one");
        }

        switch (mount.Type)
        {
            case "overlay":
            {
                var upper = Option(mount, "upperdir");
                var lower = (Option(mount, "lowerdir") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(Absolute).ToList();
                var container = upper is null ? lower : [Absolute(upper), .. lower];
                return new SnapshotLayout(container, lower, RootsOf(container));
            }

            case "bind" or "rbind":
            {
                var source = Absolute(mount.Source);
                var parent = await NativeParentAsync(source, what, cancellationToken).ConfigureAwait(false);
                return new SnapshotLayout([source], parent is null ? [] : [parent], RootsOf([source]));
            }

            default:
                throw new CombInputException($"{what}: rootfs mount type '{mount.Type}' is not read by Comb (overlay and bind are)");
        }
    }

    private static string? Option(Mount mount, string name) =>
        mount.Options.FirstOrDefault(o => o.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    private static string Absolute(string path) =>
        Path.IsPathFullyQualified(path) && !path.Split('/').Contains("..") ? path : throw new CombInputException($"containerd gave a snapshot path that is not absolute: '{path}'");

    /// <summary>The snapshotters' directories (ROOT/io.containerd.snapshotter.v1.NAME), where bind mounts are the runtime's own.</summary>
    private static List<string> RootsOf(IEnumerable<string> dirs) =>
        [.. dirs.Select(d => Path.GetDirectoryName(d.TrimEnd('/'))!).Select(d => Path.GetFileName(d) == "snapshots" ? Path.GetDirectoryName(d)! : Path.GetDirectoryName(Path.GetDirectoryName(d)!)!).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// A native snapshot is SNAPSHOTTER/snapshots/ID; SNAPSHOTTER/metadata.db holds, per snapshot (bucket v1/snapshots/KEY),
    /// its id (uvarint) and its parent's key. Returns the parent's directory, or null for a snapshot without parent.
    /// </summary>
    private static async Task<string?> NativeParentAsync(string source, string what, CancellationToken cancellationToken)
    {
        var snapshots = Path.GetDirectoryName(source.TrimEnd('/'))!;
        if (Path.GetFileName(snapshots) != "snapshots" || !ulong.TryParse(Path.GetFileName(source.TrimEnd('/')), out var id))
        {
            throw new CombInputException($"{what}: bind-mounted rootfs {source} is not a snapshot directory (SNAPSHOTTER/snapshots/ID)");
        }

        var db = await BoltReader.OpenAsync(Path.Combine(Path.GetDirectoryName(snapshots)!, "metadata.db"), cancellationToken).ConfigureAwait(false);
        var all = db.Root.Bucket("v1")?.Bucket("snapshots")?.Buckets().ToDictionary(b => b.Name, b => b.Bucket, StringComparer.Ordinal) ?? [];
        var self = all.Values.FirstOrDefault(b => Uvarint(b.Get("id")) == id)
            ?? throw new CombInputException($"{what}: snapshot {id} is not in {snapshots}/../metadata.db");
        if (self.GetText("parent") is not { Length: > 0 } parentKey)
        {
            return null;
        }

        var parent = all.GetValueOrDefault(parentKey) ?? throw new CombInputException($"{what}: parent snapshot '{parentKey}' is not in the snapshotter's database");
        return Path.Combine(snapshots, (Uvarint(parent.Get("id")) ?? throw new CombInputException($"{what}: parent snapshot '{parentKey}' has no id")).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static ulong? Uvarint(byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }

        ulong value = 0;
        for (var i = 0; i < bytes.Length && i < 10; i++)
        {
            value |= (ulong)(bytes[i] & 0x7f) << (7 * i);
            if (bytes[i] < 0x80)
            {
                return value;
            }
        }

        return null;
    }
}
