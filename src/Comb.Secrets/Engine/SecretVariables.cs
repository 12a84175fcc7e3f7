using System.Text.RegularExpressions;
using Comb.Contracts;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Engine;

/// <summary>
/// Variables whose name says they hold a secret (DB_PASSWORD, API_TOKEN...). In image config a literal
/// value there is a leak whatever its entropy: ENV and ARG values are readable by anyone with the image.
/// </summary>
internal static class SecretVariables
{
    public const string RuleId = "secret-variable";

    private static readonly TieredRegex SecretName = RegexFactory.CreateSmall(
        @"(?i)(?:^|[_.\-])(?:pass(?:word|wd)?|pwd|secret|token|api[_\-]?key|apikey|private[_\-]?key|access[_\-]?key|auth[_\-]?key|credentials?|client[_\-]?secret|session[_\-]?key|signing[_\-]?key|encryption[_\-]?key|master[_\-]?key)(?:$|[_.\-])|^(?:pass(?:word)?|secret|token)$");

    private static readonly TieredRegex[] NameAllow = [.. GenericRule.NameAllowList.Select(p => RegexFactory.CreateSmall(p.Replace(@"[""'\x60\]\s]*", "", StringComparison.Ordinal)))];

    private static readonly TieredRegex NotSecretName = RegexFactory.CreateSmall(
        @"(?i)(?:_(?:file|path|dir|url|uri|name|id|user(?:name)?|length|size|type|env|enabled|disable[d]?|required|version|mode|host|port|ttl|timeout|expiry)$|^(?:no_|disable_|enable_))");

    private static readonly TieredRegex Variable = RegexFactory.CreateSmall(@"^(?:\$\{?[\w.]+(?::?[-=?+][^}]*)?\}?|\$\([^)]*\)|%\w+%)$");

    public static bool IsSecret(string name, string value)
    {
        var v = value.Trim().Trim('"', '\'');
        if (v.Length < 4 || !SecretName.IsMatch(name) || NotSecretName.IsMatch(name) || Variable.IsMatch(v) || Placeholders.IsPlaceholder(v))
        {
            return false;
        }

        // A path, a boolean or a number is configuration, not a credential.
        if (v.StartsWith('/') || bool.TryParse(v, out _) || v.All(char.IsDigit) && v.Length < 8)
        {
            return false;
        }

        return !NameAllow.Any(r => r.IsMatch(name + "="));
    }

    public static SecretFinding Finding(string location, string name, string value, string context)
    {
        var masked = Masking.Mask(value.Trim().Trim('"', '\''));
        var snippet = context.Replace(value, masked, StringComparison.Ordinal);
        if (snippet.Length > 200)
        {
            var at = snippet.IndexOf(masked, StringComparison.Ordinal);
            var from = Math.Max(0, at - 80);
            snippet = "…" + snippet.Substring(from, Math.Min(200, snippet.Length - from)) + "…";
        }

        return new SecretFinding
        {
            RuleId = RuleId,
            Title = $"Secret-named variable {name} set to a literal value",
            Category = "config",
            Severity = Severity.High,
            Path = location,
            Masked = masked,
            Snippet = snippet,
        };
    }
}
