"""The shared kernel (身份通·业务通·数据通). ``core`` never imports a business module."""
