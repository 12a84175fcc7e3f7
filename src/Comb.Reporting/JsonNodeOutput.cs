using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Comb.Reporting;

/// <summary>Writes hand-built JSON documents (SARIF, CycloneDX, SPDX) indented, in the order they were built.</summary>
internal static class JsonNodeOutput
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(JsonNode document, Stream output, CancellationToken cancellationToken)
    {
        await using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            document.WriteTo(writer);
            await writer.FlushAsync(cancellationToken);
        }

        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> map) => new([.. items.Select(map)]);

    public static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    /// <summary>Adds the property only when the value is not null (optional fields).</summary>
    public static JsonObject With(this JsonObject obj, string name, JsonNode? value)
    {
        if (value is not null)
        {
            obj[name] = value;
        }

        return obj;
    }

    public static JsonObject With(this JsonObject obj, string name, string? value) =>
        string.IsNullOrEmpty(value) ? obj : obj.With(name, JsonValue.Create(value));
}
