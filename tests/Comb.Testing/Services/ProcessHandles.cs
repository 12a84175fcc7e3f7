using System.Globalization;

namespace Comb.Testing.Services;

/// <summary>
/// What this process holds open, read from Linux's /proc (tests that count leaks skip these checks elsewhere): every
/// descriptor, the files below a directory, and the TCP connections to a port (the sockets among this process's
/// descriptors, matched by inode against the kernel's connection tables).
/// </summary>
public static class ProcessHandles
{
    public static bool Supported => OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    /// <summary>The targets of this process's open descriptors ("/tmp/x", "socket:[123]", "pipe:[45]", "anon_inode:[eventfd]").</summary>
    public static List<string> Descriptors()
    {
        var targets = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    targets.Add(target);
                }
            }
            catch (IOException)
            {
                // the descriptor closed while listing
            }
        }

        return targets;
    }

    /// <summary>
    /// Descriptors a leak could hold (files, sockets, pipes): without the code the runtime maps as it loads it (assemblies
    /// and native libraries stay open for the process's life) and without the listing's own /proc directory.
    /// </summary>
    public static List<string> Resources() =>
        [.. Descriptors().Where(t => !IsLoadedCode(t) && !t.StartsWith("/proc/", StringComparison.Ordinal))];

    private static bool IsLoadedCode(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal) || target.Contains(".so.", StringComparison.Ordinal);

    /// <summary>What <paramref name="after"/> holds beyond <paramref name="before"/> (a descriptor list each, duplicates counted).</summary>
    public static List<string> Added(IEnumerable<string> before, IEnumerable<string> after)
    {
        var left = before.GroupBy(t => t, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var target in after)
        {
            if (left.TryGetValue(target, out var n) && n > 0)
            {
                left[target] = n - 1;
            }
            else
            {
                added.Add(target);
            }
        }

        return added;
    }

    /// <summary>Files this process holds open below a directory.</summary>
    public static List<string> OpenFilesUnder(string dir) =>
        [.. Descriptors().Where(t => t.StartsWith(dir, StringComparison.Ordinal))];

    /// <summary>TCP connections of this process whose remote end is <paramref name="port"/> (IPv4 and IPv6, any state but LISTEN).</summary>
    public static int TcpConnectionsTo(int port)
    {
        var inodes = Descriptors()
            .Where(t => t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);
        var count = 0;
        foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] == "0A")
                {
                    continue; // 0A: LISTEN
                }

                var remote = fields[2];
                var remotePort = int.Parse(remote[(remote.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (remotePort == port && inodes.Contains(fields[9]))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
