using System.Security.Cryptography;
using Comb.Contracts;

namespace Comb.Checks.Trust.Signing;

/// <summary>The first PEM block of a text: its label and DER bytes.</summary>
internal sealed record PemBlock(string Label, byte[] Der)
{
    public static PemBlock Read(string text, string what)
    {
        if (!PemEncoding.TryFind(text, out var fields))
        {
            throw new CombInputException($"{what} is not PEM (expected a -----BEGIN ...----- block)");
        }

        var label = text[fields.Label].ToString();
        try
        {
            return new PemBlock(label, Convert.FromBase64String(text[fields.Base64Data].ToString()));
        }
        catch (FormatException e)
        {
            throw new CombInputException($"{what}: the PEM body is not valid base64", e);
        }
    }
}
