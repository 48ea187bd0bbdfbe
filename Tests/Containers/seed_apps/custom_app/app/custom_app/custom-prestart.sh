#! /usr/bin/env sh

echo "Custom prestart script"
