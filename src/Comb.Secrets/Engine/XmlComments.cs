namespace Comb.Secrets.Engine;

/// <summary>The <c>&lt;!-- --&gt;</c> spans of a text, found once per file for the rules that skip them.</summary>
internal sealed class XmlComments
{
    private readonly List<(int Start, int End)> _spans = [];

    public XmlComments(string text)
    {
        var at = text.IndexOf("<!--", StringComparison.Ordinal);
        while (at >= 0)
        {
            var end = text.IndexOf("-->", at + 4, StringComparison.Ordinal);
            // An unclosed comment runs to the end of the text, as an XML parser would read it.
            var stop = end < 0 ? text.Length : end + 3;
            _spans.Add((at, stop));
            at = end < 0 ? -1 : text.IndexOf("<!--", stop, StringComparison.Ordinal);
        }
    }

    public bool Contains(int index)
    {
        // Spans are sorted and disjoint: binary search for the last span starting at or before the index.
        int lo = 0, hi = _spans.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_spans[mid].Start <= index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return hi >= 0 && index < _spans[hi].End;
    }
}
