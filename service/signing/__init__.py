"""Digital signatures of issued documents (pyHanko; no Flask in here). README "Chữ ký số".

* :mod:`~service.signing.keys`: where the key lives: a PKCS#12 file, a PKCS#11 token or HSM,
  a remote service speaking the Cloud Signature Consortium API (``SIGNING_*`` settings);
* :mod:`~service.signing.sign`: PAdES B-B / B-T / B-LT signatures as incremental updates, the
  signer's (image between position and name) then the agency's (seal and signing time; the
  attachment's information at the top right of its first page);
* :mod:`~service.signing.placement`: where those stand, from the rendered PDF's text;
* :mod:`~service.signing.appearance`: Decree 30's look (doc_templates/README.md);
* :mod:`~service.signing.interrupted`: prepare, sign elsewhere, finish;
* :mod:`~service.signing.validate`: every signature of a file checked, a Vietnamese report;
* :mod:`~service.signing.issue`: the register's hook (the agency signs what it issues).

Importing this package loads no cryptography: the modules above are imported when used.
"""

from service.signing.issue import agency_signer, signing_configured

__all__ = ["agency_signer", "signing_configured"]
