using Comb.Malware.WebShells;

namespace Comb.Runtime;

/// <summary>Why a drifted file matters: it runs (ELF or executable bits), is a shared library or a script, or carries setuid/setgid.</summary>
public static class FileClassifier
{
    private static readonly HashSet<string> ScriptExtensions = new(StringComparer.OrdinalIgnoreCase) { ".sh", ".bash", ".py", ".pl", ".rb", ".js", ".cgi", ".lua", ".ps1" };

    public static async Task<IReadOnlyList<string>> ClassifyAsync(string path, FileStat stat, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        var read = 0;
        if (stat.Size > 0)
        {
            await using var stream = new FileStream(stat.HostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.Asynchronous);
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        var elf = read == 4 && head is [0x7f, (byte)'E', (byte)'L', (byte)'F'];
        var name = Path.GetFileName(path);
        var kinds = new List<string>();
        if (elf && (name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal)))
        {
            kinds.Add("shared-library");
        }
        else if (elf || (stat.Permissions & 0b001_001_001) != 0)
        {
            kinds.Add("executable");
        }

        if ((read >= 2 && head[0] == '#' && head[1] == '!') || ScriptLanguages.FromPath(path) is not null || ScriptExtensions.Contains(Path.GetExtension(name)))
        {
            kinds.Add("script");
        }

        if ((stat.Permissions & 0x800) != 0)
        {
            kinds.Add("setuid");
        }

        if ((stat.Permissions & 0x400) != 0)
        {
            kinds.Add("setgid");
        }

        return kinds;
    }
}
