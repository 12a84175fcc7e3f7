using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Comb.Server.WebConsole;

/// <summary>Markup that is already safe: built by <see cref="Html.H"/> (every hole encoded) or a literal of this code's own.</summary>
public readonly record struct Markup(string Value)
{
    public static readonly Markup Empty = new("");

    public override string ToString() => Value;
}

/// <summary>
/// Interpolated HTML: literal parts are this code's markup, every hole is HTML-encoded unless it is already
/// <see cref="Markup"/>. Image names, paths and descriptions are hostile input, so nothing reaches a page unencoded.
/// </summary>
[InterpolatedStringHandler]
public ref struct HtmlHandler
{
    private readonly StringBuilder _builder;

    public HtmlHandler(int literalLength, int formattedCount) => _builder = new StringBuilder(literalLength + formattedCount * 16);

    public readonly void AppendLiteral(string text) => _builder.Append(text);

    public readonly void AppendFormatted(Markup markup) => _builder.Append(markup.Value);

    public readonly void AppendFormatted<T>(T value)
    {
        switch (value)
        {
            case Markup markup:
                _builder.Append(markup.Value);
                break;
            case IEnumerable<Markup> items:
                foreach (var item in items)
                {
                    _builder.Append(item.Value);
                }

                break;
            case null:
                break;
            case IFormattable formattable:
                _builder.Append(Html.Encode(formattable.ToString(null, CultureInfo.InvariantCulture)));
                break;
            default:
                _builder.Append(Html.Encode(value.ToString()));
                break;
        }
    }

    internal readonly string Build() => _builder.ToString();
}

public static class Html
{
    public static Markup H(ref HtmlHandler handler) => new(handler.Build());

    public static string Encode(string? text) => string.IsNullOrEmpty(text) ? "" : HtmlEncoder.Default.Encode(text);

    /// <summary>A path segment or query value, escaped for a URL (then HTML-encoded where it is written).</summary>
    public static string U(string? text) => Uri.EscapeDataString(text ?? "");

    public static Markup Join(IEnumerable<Markup> items) => new(string.Concat(items.Select(i => i.Value)));

    public static Markup Join<T>(IEnumerable<T> items, Func<T, Markup> render) => Join(items.Select(render));

    public static Markup When(bool condition, Markup markup) => condition ? markup : Markup.Empty;

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static string Short(string? digest) => digest is null ? "" : digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length > 19 ? digest[..19] : digest;

    /// <summary>A severity badge; the class comes from a fixed list, never from the input.</summary>
    public static Markup Severity(string? severity)
    {
        var upper = (severity ?? "UNKNOWN").ToUpperInvariant();
        var css = upper switch { "CRITICAL" => "critical", "HIGH" => "high", "MEDIUM" => "medium", "LOW" => "low", _ => "unknown" };
        return H($"<span class=\"sev sev-{new Markup(css)}\">{upper}</span>");
    }

    public static Markup Verdict(string? verdict)
    {
        var css = verdict switch { "pass" => "pass", "warn" => "warn", "block" => "block", _ => "none" };
        return H($"<span class=\"verdict verdict-{new Markup(css)}\">{verdict ?? "no policy"}</span>");
    }
}
