using Tomlyn;
using Tomlyn.Model;

namespace Comb.Analyzers.Language;

/// <summary>TOML reading helpers over Tomlyn's model (tables, arrays of tables, scalars).</summary>
internal static class TomlDoc
{
    public static TomlTable Parse(string text, string path)
    {
        _ = path;
        return TomlSerializer.Deserialize<TomlTable>(text) ?? throw new FormatException("empty TOML document");
    }

    public static string? Str(this TomlTable t, string key) =>
        t.TryGetValue(key, out var v) ? v switch { string s => s, long or double or bool => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture), _ => null } : null;

    public static TomlTable? Table(this TomlTable t, string key) => t.TryGetValue(key, out var v) ? v as TomlTable : null;

    public static IEnumerable<TomlTable> Tables(this TomlTable t, string key) =>
        t.TryGetValue(key, out var v) ? v switch
        {
            TomlTableArray a => a,
            TomlArray arr => arr.OfType<TomlTable>(),
            _ => [],
        } : [];

    public static IEnumerable<object?> Array(this TomlTable t, string key) =>
        t.TryGetValue(key, out var v) && v is TomlArray a ? a : [];
}
