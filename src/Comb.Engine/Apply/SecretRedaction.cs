using Comb.Contracts;

namespace Comb.Engine.Apply;

/// <summary>
/// Replaces the ENV values, labels and history lines where secrets were found with their masked form, so no
/// output format, log or stored report repeats a secret through the image's own metadata.
/// </summary>
public static class SecretRedaction
{
    public static ImageMetadata Redact(ImageMetadata image, IReadOnlyList<SecretFinding> secrets)
    {
        var byPath = secrets.Where(s => s.Snippet is not null).GroupBy(s => s.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Snippet!).ToList(), StringComparer.Ordinal);
        if (byPath.Count == 0)
        {
            return image;
        }

        var config = image.Config.Config;
        if (config is not null)
        {
            config = config with
            {
                Env = config.Env is null ? null : [.. config.Env.Select(e => Masked(e, byPath.GetValueOrDefault("ENV")))],
                Labels = config.Labels?.ToDictionary(l => l.Key, l => Value(Masked(l.Key + "=" + l.Value, byPath.GetValueOrDefault("LABEL"))), StringComparer.Ordinal),
            };
        }

        var history = image.Config.History?.Select((h, i) =>
            byPath.TryGetValue($"history[{i}]", out var masked) && masked.Count > 0 ? h with { CreatedBy = masked[0] } : h).ToList();
        var maskedLines = history?.Zip(image.Config.History ?? [], (after, before) => (before.CreatedBy, after.CreatedBy))
            .Where(p => p.Item1 != p.Item2 && p.Item1 is not null)
            .ToDictionary(p => p.Item1!, p => p.Item2, StringComparer.Ordinal) ?? [];
        return image with
        {
            Config = image.Config with { Config = config, History = history },
            Layers = [.. image.Layers.Select(l => l.CreatedBy is not null && maskedLines.TryGetValue(l.CreatedBy, out var m) ? l with { CreatedBy = m } : l)],
        };
    }

    /// <summary>The masked snippet of the same NAME=..., when a secret was found in it.</summary>
    private static string Masked(string assignment, List<string>? snippets)
    {
        if (snippets is null)
        {
            return assignment;
        }

        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        var name = eq > 0 ? assignment[..(eq + 1)] : assignment;
        return snippets.FirstOrDefault(s => s.StartsWith(name, StringComparison.Ordinal)) ?? assignment;
    }

    private static string Value(string assignment) => assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..];
}
