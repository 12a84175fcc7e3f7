using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Comb.Server.Auth;

/// <summary>
/// Data-protection keys kept in memory: the server authenticates with bearer tokens and protects nothing with these
/// keys, and it must not write outside its cache (the framework's default is a folder in the user's home).
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly List<XElement> _keys = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_keys)
        {
            return [.. _keys.Select(k => new XElement(k))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_keys)
        {
            _keys.Add(new XElement(element));
        }
    }
}
