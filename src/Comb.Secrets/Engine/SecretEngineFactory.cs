using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Comb.Secrets.Config;
using Comb.Secrets.Files;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Engine;

/// <summary>Combines the built-in rules with a user's config into the effective rule set.</summary>
public static class SecretEngineFactory
{
    /// <summary>
    /// Builds the scanner for a config (null = built-ins only) and the published, non-secret values known from
    /// the advisory database's feeds (see <see cref="PublishedSecretValues"/>).
    /// </summary>
    public static SecretScanner CreateScanner(SecretConfig? config, IReadOnlyCollection<string>? publishedValues = null)
    {
        var (settings, files) = Effective(config ?? SecretConfig.Default, publishedValues);
        return new SecretScanner(settings, files);
    }

    public static (DetectorSettings Content, IReadOnlyList<SensitiveFileRule> Files) Effective(SecretConfig config, IReadOnlyCollection<string>? publishedValues = null)
    {
        var rules = (config.UseBuiltinRules ? BuiltinRules.All : [])
            .Where(r => !config.DisabledRules.Contains(r.Id))
            .Where(r => config.EnabledRules.Count == 0 || config.EnabledRules.Contains(r.Id))
            .Concat(config.Rules)
            .Select(r => config.SeverityOverrides.TryGetValue(r.Id, out var s) ? r with { Severity = s } : r)
            .Select(r => config.AllowCombinations.Count == 0 ? r : r with { AllowCombinations = [.. r.AllowCombinations, .. config.AllowCombinations] })
            .ToList();

        var files = !config.SensitiveFilesEnabled
            ? []
            : (config.UseBuiltinRules ? SensitiveFileRules.All : []).Concat(config.FileRules)
                .Where(r => !config.DisabledRules.Contains(r.Id))
                .Select(r => config.SeverityOverrides.TryGetValue(r.Id, out var s) ? r with { Severity = s } : r)
                .ToList();

        var allowPaths = (config.UseDefaultAllowPaths ? DefaultAllowPaths.All : []).Concat(config.AllowPaths).ToList();
        var allowValues = config.AllowRegexes.Concat(config.AllowValues.Select(v => "^" + Regex.Escape(v) + "$")).ToList();
        var settings = new DetectorSettings
        {
            Rules = rules,
            AllowPaths = allowPaths,
            AllowValues = allowValues,
            PublishedValues = publishedValues ?? [],
            MaxFileBytes = config.MaxFileBytes ?? new DetectorSettings { Rules = [] }.MaxFileBytes,
        };
        return (settings, files);
    }

    /// <summary>A short, stable hash of everything that changes results: part of the layer cache key.</summary>
    public static string Fingerprint(SecretConfig? config, IReadOnlyCollection<string>? publishedValues = null)
    {
        var (settings, files) = Effective(config ?? SecretConfig.Default, publishedValues);
        var sb = new StringBuilder();
        foreach (var r in settings.Rules)
        {
            sb.Append(r.Id).Append('\u0001').Append(r.Pattern).Append('\u0001').Append(r.Severity).Append('\u0001')
              .Append(r.MinEntropy?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\u0001')
              .Append(r.MinHexEntropy?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\u0001')
              .AppendJoin(',', r.Keywords).Append('\u0001').AppendJoin('\u0002', r.AllowValues).AppendJoin('\u0002', r.AllowMatches)
              .AppendJoin('\u0002', r.AllowLines).AppendJoin('\u0002', r.AllowPaths).AppendJoin('\u0002', r.Stopwords)
              .Append(r.PathPattern).Append('\u0001')
              .Append(r.IsGeneric).Append(r.IgnoreXmlComments).Append(r.KeepPlaceholders).Append('\u0001');
            foreach (var c in r.AllowCombinations)
            {
                sb.AppendJoin('\u0002', c.Paths).Append('\u0003').AppendJoin('\u0002', c.Values).Append('\u0003').AppendJoin('\u0002', c.Matches)
                  .Append('\u0003').AppendJoin('\u0002', c.Lines).Append('\u0003').AppendJoin('\u0002', c.Stopwords).Append('\u0004');
            }

            sb.Append('\n');
        }

        foreach (var f in files)
        {
            sb.Append(f.Id).Append('\u0001').Append(f.PathPattern).Append('\u0001').Append(f.ContentPattern).Append('\u0001')
              .Append(f.Severity).AppendJoin('\u0002', f.AllowPaths).Append('\n');
        }

        sb.AppendJoin('\u0002', settings.AllowPaths).Append('\n').AppendJoin('\u0002', settings.AllowValues).Append('\n')
          .Append(settings.MaxFileBytes).Append('\n')
          .AppendJoin('\u0002', settings.PublishedValues.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}
