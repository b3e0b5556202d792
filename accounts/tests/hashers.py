"""A test hasher that counts how often a password is hashed."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt).replace("md5$", "counting_md5$", 1)

    def verify(self, password, encoded):
        type(self).calls += 1
        encoded_2 = (
            super().encode(password, encoded.split("$")[1]).replace("md5$", "counting_md5$", 1)
        )
        from django.utils.crypto import constant_time_compare

        return constant_time_compare(encoded, encoded_2)
