"""The two buckets of object storage, as django-storages backends; configured by ``shop/objectstore.py``.

Imported only when ``STORAGE_URL`` (or the ``AWS_*`` bucket settings) point ``STORAGES`` here, so a
shop on the local disk never loads boto3.
"""

from storages.backends.s3 import S3Storage

from shop.storage import content_type_for


class PublicS3Storage(S3Storage):
    """The public bucket: catalogue images, at plain URLs (no signature) that caches may keep.

    Its options (``shop/objectstore.py``) turn query-string signing off and write every object with a
    year-long ``Cache-Control``; names are random, so a changed picture is a new URL.
    """


class PrivateS3Storage(S3Storage):
    """The private bucket: customer uploads, handed out only through ``signed_url`` by a checked view.

    ``url()`` raises ``ValueError`` as ``PrivateFileSystemStorage``'s does, so no template or serializer
    can link to a customer's file by mistake. Objects are written with the content type their
    extension stands for (the upload checks decided it).
    """

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("Customer uploads have no URL: a checked view hands out a signed one.")

    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str:
        """Return a URL to ``name`` that the bucket honours for ``querystring_expire`` seconds.

        The response headers are part of what is signed: the type, inline or attachment with its file
        name, and ``Cache-Control: private, no-store``.
        """
        return super().url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": "private, no-store",
            },
        )

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), "ContentType": content_type_for(name)}
