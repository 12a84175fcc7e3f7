using Comb.Runtime;

namespace Comb.Cli.Output;

/// <summary>
/// Writes a report to the path given with --output. A regular file (or a new one) is written beside the
/// target and renamed over it, so a failed or cancelled scan never leaves half a report. Anything else that
/// already exists there - /dev/null, /dev/stdout, a named pipe, a terminal - is written in place: renaming
/// over it would replace the device or pipe itself with a plain file.
/// </summary>
internal static class OutputFile
{
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var existing = FileStat.Stat(path);
        if (existing is not null && existing.Kind is not StatKind.Regular and not StatKind.Directory)
        {
            await using var device = new FileStream(path, FileMode.Open, FileAccess.Write);
            await write(device, cancellationToken);
            await device.FlushAsync(cancellationToken);
            return;
        }

        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await write(file, cancellationToken);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
