namespace Comb.Runtime;

/// <summary>The files the image's package managers installed (dpkg file lists, apk's installed database), as absolute paths.</summary>
public static class PackageFiles
{
    private const long MaxListBytes = 64L * 1024 * 1024;

    public static async Task<IReadOnlySet<string>> ReadAsync(LayeredTree image, CancellationToken cancellationToken)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in image.List("var/lib/dpkg/info").Where(n => n.EndsWith(".list", StringComparison.Ordinal)))
        {
            foreach (var line in await LinesAsync(image, "var/lib/dpkg/info/" + name, cancellationToken).ConfigureAwait(false))
            {
                if (line.StartsWith('/') && line.Length > 1)
                {
                    files.Add(line);
                }
            }
        }

        // apk: "F:dir" then "R:file" lines per package.
        var dir = "";
        foreach (var line in await LinesAsync(image, "lib/apk/db/installed", cancellationToken).ConfigureAwait(false))
        {
            if (line.StartsWith("F:", StringComparison.Ordinal))
            {
                dir = line[2..];
            }
            else if (line.StartsWith("R:", StringComparison.Ordinal))
            {
                files.Add("/" + (dir.Length == 0 ? "" : dir + "/") + line[2..]);
            }
        }

        return files;
    }

    private static async Task<string[]> LinesAsync(LayeredTree image, string relative, CancellationToken cancellationToken)
    {
        var stat = image.Stat(relative);
        if (stat is not { Kind: StatKind.Regular } || stat.Size > MaxListBytes)
        {
            return [];
        }

        return await File.ReadAllLinesAsync(stat.HostPath, cancellationToken).ConfigureAwait(false);
    }
}
