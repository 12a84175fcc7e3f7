namespace Comb.Checks.Config;

/// <summary>Decides whether an ENV or ARG name looks like it holds a credential.</summary>
public static class SecretNames
{
    private static readonly string[] SecretWords = ["PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PASSPHRASE"];
    private static readonly string[] KeyQualifiers = ["API", "ACCESS", "PRIVATE", "SECRET", "AUTH", "ENCRYPTION", "SIGNING", "MASTER", "CLIENT"];

    /// <summary>Names that point at a secret rather than holding it, or hold public material.</summary>
    private static readonly string[] PointerSuffixes = ["FILE", "PATH", "DIR", "URL", "URI", "HOST", "PORT", "USER", "USERNAME", "NAME", "ID", "SHA256", "SHA", "CHECKSUM"];

    public static bool LooksSecret(string name)
    {
        var upper = name.ToUpperInvariant();
        if (upper is "GPG_KEY" or "GPG_KEYS" || upper.StartsWith("GPG_", StringComparison.Ordinal) || upper == "PWD")
        {
            return false; // GPG key ids are public fingerprints; PWD is the shell's working directory
        }

        var tokens = upper.Split(['_', '-', '.'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || PointerSuffixes.Contains(tokens[^1], StringComparer.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (SecretWords.Contains(tokens[i], StringComparer.Ordinal))
            {
                return true;
            }

            if (tokens[i] == "KEY" && i > 0 && KeyQualifiers.Contains(tokens[i - 1], StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Shows the shape of a value without revealing it.</summary>
    public static string Mask(string value) =>
        value.Length == 0 ? "(empty)" : $"{new string('*', Math.Min(value.Length, 8))} ({value.Length} chars)";
}
