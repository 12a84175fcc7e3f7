using System.Globalization;
using Comb.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Comb.Checks.Policy;

/// <summary>A validation problem with the line and column it comes from (1-based).</summary>
public sealed record PolicyError(int Line, int Column, string Message)
{
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

/// <summary>
/// Reads YAML mapping nodes into typed values, collecting every problem with its position instead of stopping at
/// the first, so `policy check` can list them all.
/// </summary>
internal sealed class YamlReader
{
    public List<PolicyError> Errors { get; } = [];

    public static YamlMappingNode? LoadRoot(string text, List<PolicyError> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            errors.Add(new PolicyError((int)e.Start.Line, (int)e.Start.Column, "YAML syntax error: " + Inner(e)));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add(new PolicyError(1, 1, "the file is empty"));
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            errors.Add(new PolicyError((int)node.Start.Line, (int)node.Start.Column, "the top level must be a mapping (key: value lines)"));
            return null;
        }

        return root;
    }

    private static string Inner(YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        // YamlDotNet prefixes messages with "(Line: .., Col: .., Idx: ..) - (...): "; the position is printed separately.
        var dash = message.LastIndexOf("): ", StringComparison.Ordinal);
        return dash >= 0 ? message[(dash + 3)..] : message;
    }

    public void Error(YamlNode node, string message) =>
        Errors.Add(new PolicyError((int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>Reports keys outside <paramref name="allowed"/> and returns the mapping as a dictionary.</summary>
    public Dictionary<string, (YamlNode Key, YamlNode Value)> Fields(YamlMappingNode map, string what, params string[] allowed)
    {
        var result = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Error(key, $"unknown key '{name}' in {what} (expected one of: {string.Join(", ", allowed)})");
                continue;
            }

            if (!result.TryAdd(name, (key, value)))
            {
                Error(key, $"duplicate key '{name}' in {what}");
            }
        }

        return result;
    }

    public string? String(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name, bool required = false, YamlNode? owner = null)
    {
        if (!fields.TryGetValue(name, out var field))
        {
            if (required && owner is not null)
            {
                Error(owner, $"missing required key '{name}'");
            }

            return null;
        }

        if (field.Value is YamlScalarNode { Value: { } text } && text.Length > 0)
        {
            return text;
        }

        Error(field.Value, $"'{name}' must be a non-empty text value");
        return null;
    }

    public bool? Bool(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name)
    {
        if (!fields.TryGetValue(name, out var field))
        {
            return null;
        }

        if (field.Value is YamlScalarNode { Value: "true" or "yes" or "True" or "on" })
        {
            return true;
        }

        if (field.Value is YamlScalarNode { Value: "false" or "no" or "False" or "off" })
        {
            return false;
        }

        Error(field.Value, $"'{name}' must be true or false");
        return null;
    }

    public double? Number(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name, double min, double max)
    {
        if (!fields.TryGetValue(name, out var field))
        {
            return null;
        }

        if (field.Value is YamlScalarNode { Value: { } text }
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(field.Value, $"'{name}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    public DateOnly? Date(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name)
    {
        if (!fields.TryGetValue(name, out var field))
        {
            return null;
        }

        if (field.Value is YamlScalarNode { Value: { } text }
            && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        Error(field.Value, $"'{name}' must be a date written YYYY-MM-DD");
        return null;
    }

    /// <summary>A list of strings; a single scalar is accepted as a one-item list.</summary>
    public IReadOnlyList<string> Strings(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name)
    {
        if (!fields.TryGetValue(name, out var field))
        {
            return [];
        }

        switch (field.Value)
        {
            case YamlScalarNode { Value: { Length: > 0 } one }:
                return [one];
            case YamlSequenceNode seq:
                var list = new List<string>();
                foreach (var item in seq)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } text })
                    {
                        list.Add(text);
                    }
                    else
                    {
                        Error(item, $"items of '{name}' must be text values");
                    }
                }

                return list;
            default:
                Error(field.Value, $"'{name}' must be a list of text values");
                return [];
        }
    }

    public Severity? SeverityValue(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name)
    {
        if (String(fields, name) is not { } text)
        {
            return null;
        }

        var severity = SeverityNames.Parse(text);
        if (severity == Contracts.Severity.Unknown && !text.Equals("unknown", StringComparison.OrdinalIgnoreCase))
        {
            Error(fields[name].Value, $"'{name}' must be one of: unknown, low, medium, high, critical (got '{text}')");
            return null;
        }

        return severity;
    }

    public IReadOnlyList<Severity> Severities(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string name)
    {
        var result = new List<Severity>();
        foreach (var text in Strings(fields, name))
        {
            var severity = SeverityNames.Parse(text);
            if (severity == Contracts.Severity.Unknown && !text.Equals("unknown", StringComparison.OrdinalIgnoreCase))
            {
                Error(fields[name].Value, $"unknown severity '{text}' in '{name}'");
                continue;
            }

            result.Add(severity);
        }

        return result;
    }
}
