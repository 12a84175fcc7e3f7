using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// The JSON form of a <see cref="ScanReport"/>: camelCase, enums as strings, indented, nulls left out, fields in
/// declaration order. <see cref="Deserialize"/> loads a stored report back.
/// </summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            WriteIndented = true,
            IndentSize = 2,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // Source-generated metadata: the reflection-based resolver compiled several hundred methods before a
            // process could write its first report (bench/speed).
            TypeInfoResolver = ReportJsonContext.Default.WithAddedModifier(DropComputedProperties),
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    // Derived views (ScanReport.Packages) are not data: writing them would duplicate every package.
    private static void DropComputedProperties(JsonTypeInfo info)
    {
        if (info.Type == typeof(ScanReport))
        {
            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "packages")
                {
                    info.Properties.RemoveAt(i);
                }
            }
        }
    }

    public static async Task SerializeAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(output, report, Options, cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    public static string Serialize(ScanReport report) => JsonSerializer.Serialize(report, Options) + "\n";

    /// <summary>Reads a report written by the json format; a malformed document is a <see cref="CombInputException"/>.</summary>
    public static ScanReport Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ScanReport>(json, Options) ?? throw new CombInputException("The report file is empty (null).");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"Not a Comb JSON report: {ex.Message}", ex);
        }
    }

    public static async Task<ScanReport> DeserializeAsync(Stream input, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<ScanReport>(input, Options, cancellationToken)
                ?? throw new CombInputException("The report file is empty (null).");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"Not a Comb JSON report: {ex.Message}", ex);
        }
    }
}

/// <summary>Writes the report as JSON (the format the scan store keeps and "--format json" prints).</summary>
public sealed class JsonReportWriter : IReportWriter
{
    public string Format => "json";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken) =>
        ReportJson.SerializeAsync(ReportSorter.Sort(report), output, cancellationToken);
}

/// <summary>Metadata for the report's types, generated at build time; the options that apply are <see cref="ReportJson.Options"/>.</summary>
[JsonSerializable(typeof(ScanReport))]
// Image config maps such as Volumes and ExposedPorts hold untyped values: JsonElement when read, plain values when built in code.
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true, IndentSize = 2)]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
