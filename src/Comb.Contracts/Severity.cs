using System.Text.Json.Serialization;

namespace Comb.Contracts;

/// <summary>Severity shared by every kind of finding; ordered so that comparisons mean "worse than".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    Unknown = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

public static class SeverityNames
{
    public static string ToUpperName(this Severity severity) => severity.ToString().ToUpperInvariant();

    /// <summary>Parses the names vendors use (CRITICAL, important, moderate, negligible...).</summary>
    public static Severity Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "CRITICAL" => Severity.Critical,
        "HIGH" or "IMPORTANT" => Severity.High,
        "MEDIUM" or "MODERATE" => Severity.Medium,
        "LOW" or "NEGLIGIBLE" or "UNIMPORTANT" or "MINOR" => Severity.Low,
        _ => Severity.Unknown,
    };
}
