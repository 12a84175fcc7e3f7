namespace Comb.Secrets.Engine;

/// <summary>Offsets of line starts, so a match offset becomes a 1-based line number by binary search.</summary>
internal sealed class LineIndex
{
    private readonly List<int> _starts = [0];

    public LineIndex(string text)
    {
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            _starts.Add(i + 1);
        }
    }

    public int LineNumber(int offset)
    {
        var i = _starts.BinarySearch(offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    public (int Start, int End) LineBounds(string text, int offset)
    {
        var n = LineNumber(offset);
        var start = _starts[n - 1];
        var end = n < _starts.Count ? _starts[n] - 1 : text.Length;
        if (end > start && text[end - 1] == '\r')
        {
            end--;
        }

        return (start, end);
    }

    public ReadOnlySpan<char> LineText(string text, int offset)
    {
        var (start, end) = LineBounds(text, offset);
        return text.AsSpan(start, end - start);
    }
}
