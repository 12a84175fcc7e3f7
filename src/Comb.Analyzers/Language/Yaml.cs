using YamlDotNet.RepresentationModel;

namespace Comb.Analyzers.Language;

/// <summary>YAML documents as plain maps, lists and strings, so lock-file readers need no typed models.</summary>
internal static class Yaml
{
    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(
            kv => kv.Key is YamlScalarNode k ? k.Value ?? "" : kv.Key.ToString(),
            kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };

    public static Dictionary<string, object?>? Map(this object? node, string key) =>
        node is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static string? Str(this object? node, string key) =>
        node is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v as string : null;

    public static List<object?>? List(this object? node, string key) =>
        node is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v as List<object?> : null;

    public static IEnumerable<KeyValuePair<string, object?>> Entries(this Dictionary<string, object?>? map) =>
        map is null ? [] : map;
}
