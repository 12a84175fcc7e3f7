using System.Security.Cryptography;
using Comb.Contracts;

namespace Comb.Runtime;

/// <summary>One file that differs between a container's filesystem and its image's.</summary>
public sealed record DriftEntry(string Path, string Change, FileStat? Container, FileStat? Image);

/// <summary>
/// Compares a container's filesystem with its image's, path by path: kind, size, mode and, when the modification
/// time moved, the SHA-256 of the content. Directories are walked, not reported; paths the runtime mounts over
/// (/proc, /etc/hosts, ...) are skipped, as their content is not the container's.
/// </summary>
public sealed class DriftDetector(LayeredTree container, LayeredTree image, IReadOnlyCollection<string> skippedPaths)
{
    private const int MaxEntries = 1_000_000;

    public async Task<IReadOnlyList<DriftEntry>> CompareAsync(CancellationToken cancellationToken)
    {
        var result = new List<DriftEntry>();
        var pending = new Stack<string>();
        pending.Push("");
        var visited = 0;
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var dir = pending.Pop();
            var names = new SortedSet<string>(container.List(dir), StringComparer.Ordinal);
            names.UnionWith(image.List(dir));
            foreach (var name in names.Reverse())
            {
                if (++visited > MaxEntries)
                {
                    throw new CombInputException($"container filesystem has more than {MaxEntries} entries; drift not computed");
                }

                var relative = dir.Length == 0 ? name : dir + "/" + name;
                if (skippedPaths.Contains("/" + relative))
                {
                    continue;
                }

                var c = container.Stat(relative);
                var i = image.Stat(relative);
                if (c?.Kind == StatKind.Directory || i?.Kind == StatKind.Directory)
                {
                    pending.Push(relative);
                }

                var change = await ChangeAsync(c is { Kind: not StatKind.Directory } ? c : null, i is { Kind: not StatKind.Directory } ? i : null, cancellationToken).ConfigureAwait(false);
                if (change is not null && !(change == "added" && MadeByRuntime(relative, c!)))
                {
                    result.Add(new DriftEntry("/" + relative, change, c, i));
                }
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return result;
    }

    /// <summary>
    /// What the runtime itself adds to every container's root filesystem: Podman links a missing /etc/mtab to the
    /// kernel's mount table. Only that exact link is left out; anything else at that path is drift.
    /// </summary>
    private static bool MadeByRuntime(string relative, FileStat added) =>
        relative == "etc/mtab" && added.Kind == StatKind.Symlink
        && new FileInfo(added.HostPath).LinkTarget is "/proc/mounts" or "/proc/self/mounts" or "../proc/self/mounts";

    private static async Task<string?> ChangeAsync(FileStat? container, FileStat? image, CancellationToken cancellationToken)
    {
        if (container is null)
        {
            return image is null ? null : "deleted";
        }

        if (image is null)
        {
            return "added";
        }

        if (container.Kind != image.Kind || container.Size != image.Size || container.Permissions != image.Permissions)
        {
            return "changed";
        }

        if (container.Kind == StatKind.Symlink)
        {
            return new FileInfo(container.HostPath).LinkTarget == new FileInfo(image.HostPath).LinkTarget ? null : "changed";
        }

        // Same size and mode: the content can only differ if it was written, which moves the modification time.
        if (container.Kind != StatKind.Regular || (container.MtimeSeconds == image.MtimeSeconds && container.MtimeNanos == image.MtimeNanos))
        {
            return null;
        }

        return await Sha256Async(container.HostPath, cancellationToken).ConfigureAwait(false) == await Sha256Async(image.HostPath, cancellationToken).ConfigureAwait(false)
            ? null
            : "changed";
    }

    public static async Task<string> Sha256Async(string hostPath, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
