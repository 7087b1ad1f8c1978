"""Uploads: a file kept between its preview and its confirmation, for every kind of import
(member lists, unit lists, question files). Each kind plugs in its reader and its apply step
(`services.UploadKind`); the flow around them is written once here."""
