namespace Comb.Analyzers.Os;

/// <summary>Validation and splitting of Debian version strings ([epoch:]upstream[-revision]).</summary>
internal static class DebianVersion
{
    public static bool IsValid(string version)
    {
        if (version.Length == 0 || version.Any(char.IsWhiteSpace))
        {
            return false;
        }

        var (epoch, upstream, revision) = Split(version);
        if (epoch is not null && (epoch.Length == 0 || !epoch.All(char.IsAsciiDigit)))
        {
            return false;
        }

        if (upstream.Length == 0 || !char.IsAsciiDigit(upstream[0]))
        {
            return false;
        }

        if (!upstream.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '~' or '-' or ':'))
        {
            return false;
        }

        return revision is null || (revision.Length > 0 && revision.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '~'));
    }

    public static (string? Epoch, string Upstream, string? Revision) Split(string version)
    {
        string? epoch = null;
        var colon = version.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            epoch = version[..colon];
            version = version[(colon + 1)..];
        }

        var dash = version.LastIndexOf('-');
        return dash < 0 ? (epoch, version, null) : (epoch, version[..dash], version[(dash + 1)..]);
    }
}
